#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <map>

namespace millrace::plugins {
class TaskOperator;
}

namespace millrace::scheduler {

/// The operators DAG files can use, by id: the built-in ones and those task-operator plugins
/// bring. Operators are not owned; they outlive the catalog. Filled once at start-up, then only
/// read (from any thread).
class OperatorCatalog
{
public:
    /// Adds `op` under `id`; `origin` says where it came from ("built-in", a plugin file).
    /// Returns false, changing nothing, when the id is taken.
    bool add(const QString &id, plugins::TaskOperator *op, const QString &origin);
    /// The operator with `id`, or null.
    plugins::TaskOperator *find(const QString &id) const;
    /// The ids, sorted.
    QList<QString> ids() const;
    /// Where the operator with `id` came from, or an empty string.
    QString origin(const QString &id) const;

private:
    struct Entry
    {
        plugins::TaskOperator *op = nullptr;
        QString origin;
    };
    std::map<QString, Entry> m_entries;
};

} // namespace millrace::scheduler

#include "core/scheduler/operatorcatalog.h"

namespace millrace::scheduler {

bool OperatorCatalog::add(const QString &id, plugins::TaskOperator *op, const QString &origin)
{
    if (id.isEmpty() || op == nullptr || m_entries.contains(id))
        return false;
    m_entries.emplace(id, Entry{op, origin});
    return true;
}

plugins::TaskOperator *OperatorCatalog::find(const QString &id) const
{
    const auto found = m_entries.find(id);
    return found == m_entries.end() ? nullptr : found->second.op;
}

QList<QString> OperatorCatalog::ids() const
{
    QList<QString> ids;
    ids.reserve(qsizetype(m_entries.size()));
    for (const auto &[id, entry] : m_entries)
        ids.append(id);
    return ids;
}

QString OperatorCatalog::origin(const QString &id) const
{
    const auto found = m_entries.find(id);
    return found == m_entries.end() ? QString() : found->second.origin;
}

} // namespace millrace::scheduler

#pragma once

#include "core/base/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace::pipeline {

/// One parameter an operator accepts: its JSON type, what it is for, its default and limits.
/// An operator's list of them is both its parameter schema (for DAG checks and forms) and the
/// check its run() applies to the rendered params.
struct ParamSpec
{
    ParamSpec(QString name, QString type, QString description,
              QJsonValue defaultValue = QJsonValue(QJsonValue::Undefined))
        : name(std::move(name)), type(std::move(type)), description(std::move(description)),
          defaultValue(std::move(defaultValue))
    {
    }

    QString name;
    /// "string", "integer", "number", "boolean", "object" or "array".
    QString type;
    QString description;
    /// Used when the param is left out (or null); undefined: none.
    QJsonValue defaultValue;
    bool required = false;
    /// Allowed values of a string param; empty: any.
    QStringList allowed;
    std::optional<double> minimum;
    std::optional<double> maximum;
};

/// The JSON schema of `specs` in the subset DAG files are checked against: {"type": "object",
/// "properties": {name: {"type", "description", "enum", "minimum", "maximum"}}, "required": [...],
/// "additionalProperties": false}. Defaults are named in the descriptions.
QJsonObject parameterSchema(const QList<ParamSpec> &specs);

/// A task's params checked against its specs, with the defaults filled in.
class TaskParams
{
public:
    /// Checks `params`: no unknown names, required ones present, every value of its type
    /// (integers whole), in its enum and limits. A null value counts as left out. Fails with
    /// one line naming the param and what is wrong.
    static Result<TaskParams> read(const QList<ParamSpec> &specs, const QJsonObject &params);

    /// Whether the param has a value, given or by default.
    bool has(const QString &name) const { return m_values.contains(name); }
    /// Whether the task's params gave the value (rather than a default).
    bool given(const QString &name) const { return m_given.contains(name); }

    /// The value; "" / 0 / false / {} when it has none.
    QString string(const QString &name) const { return m_values.value(name).toString(); }
    qint64 integer(const QString &name) const { return m_values.value(name).toInteger(); }
    double number(const QString &name) const { return m_values.value(name).toDouble(); }
    bool boolean(const QString &name) const { return m_values.value(name).toBool(); }
    QJsonObject object(const QString &name) const { return m_values.value(name).toObject(); }

    /// Every value, defaults included, as logged at the start of a task.
    const QJsonObject &values() const { return m_values; }

private:
    QJsonObject m_values;
    QJsonObject m_given;
};

} // namespace millrace::pipeline

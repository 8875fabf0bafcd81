#include "core/pipeline/taskparams.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace millrace::pipeline {

namespace {

QString compact(const QJsonValue &value)
{
    if (value.isString())
        return QLatin1Char('"') + value.toString() + QLatin1Char('"');
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    // Numbers, booleans and null print as JSON does.
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    default:
        return QStringLiteral("null");
    }
}

// Why `value` does not fit `spec`, or "" when it does.
QString mismatch(const ParamSpec &spec, const QJsonValue &value)
{
    const QString &type = spec.type;
    bool typeOk = false;
    if (type == QLatin1String("string"))
        typeOk = value.isString();
    else if (type == QLatin1String("boolean"))
        typeOk = value.isBool();
    else if (type == QLatin1String("object"))
        typeOk = value.isObject();
    else if (type == QLatin1String("array"))
        typeOk = value.isArray();
    else if (type == QLatin1String("number"))
        typeOk = value.isDouble() && std::isfinite(value.toDouble());
    else if (type == QLatin1String("integer"))
        // JSON has one number type: 3.0 is an integer, 3.5 is not, and neither is 2^60 as a
        // double (it lost its low digits already).
        typeOk = value.isDouble() && std::isfinite(value.toDouble())
                 && value.toDouble() == std::floor(value.toDouble())
                 && std::abs(value.toDouble()) <= 9007199254740992.0;
    if (!typeOk)
        return QStringLiteral("expected %1, got %2 %3")
            .arg(type == QLatin1String("integer") ? QStringLiteral("an integer")
                 : type == QLatin1String("object") || type == QLatin1String("array")
                     ? QStringLiteral("an ") + type
                     : QStringLiteral("a ") + type,
                 typeName(value), compact(value));
    if (!spec.allowed.isEmpty() && !spec.allowed.contains(value.toString()))
        return QStringLiteral("%1 is not one of %2")
            .arg(compact(value), spec.allowed.join(QStringLiteral(", ")));
    if (spec.minimum && value.toDouble() < *spec.minimum)
        return QStringLiteral("%1 is below the minimum %2").arg(compact(value)).arg(*spec.minimum);
    if (spec.maximum && value.toDouble() > *spec.maximum)
        return QStringLiteral("%1 is above the maximum %2").arg(compact(value)).arg(*spec.maximum);
    return QString();
}

} // namespace

QJsonObject parameterSchema(const QList<ParamSpec> &specs)
{
    QJsonObject properties;
    QJsonArray required;
    for (const ParamSpec &spec : specs) {
        QString description = spec.description;
        if (!spec.defaultValue.isUndefined() && !spec.defaultValue.isNull())
            description += QStringLiteral(" Default: %1.").arg(compact(spec.defaultValue));
        QJsonObject property{{QStringLiteral("type"), spec.type},
                             {QStringLiteral("description"), description}};
        if (!spec.allowed.isEmpty())
            property.insert(QStringLiteral("enum"), QJsonArray::fromStringList(spec.allowed));
        if (spec.minimum)
            property.insert(QStringLiteral("minimum"), *spec.minimum);
        if (spec.maximum)
            property.insert(QStringLiteral("maximum"), *spec.maximum);
        properties.insert(spec.name, property);
        if (spec.required)
            required.append(spec.name);
    }
    return {{QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"), properties},
            {QStringLiteral("required"), required},
            {QStringLiteral("additionalProperties"), false}};
}

Result<TaskParams> TaskParams::read(const QList<ParamSpec> &specs, const QJsonObject &params)
{
    QStringList known;
    for (const ParamSpec &spec : specs)
        known.append(spec.name);
    for (auto it = params.begin(); it != params.end(); ++it) {
        if (!known.contains(it.key()))
            return fail(QStringLiteral("unknown param \"%1\" (this operator takes %2)")
                            .arg(it.key(), known.join(QStringLiteral(", "))));
    }
    TaskParams read;
    for (const ParamSpec &spec : specs) {
        const QJsonValue value = params.value(spec.name);
        // A template like "{{ xcom.drain.batch_id | default(null) }}" renders to null: the
        // task then behaves as if the param were not written.
        if (value.isUndefined() || value.isNull()) {
            if (spec.required)
                return fail(QStringLiteral("param \"%1\" is required: %2")
                                .arg(spec.name, spec.description));
            if (!spec.defaultValue.isUndefined() && !spec.defaultValue.isNull())
                read.m_values.insert(spec.name, spec.defaultValue);
            continue;
        }
        if (const QString problem = mismatch(spec, value); !problem.isEmpty())
            return fail(QStringLiteral("param \"%1\": %2").arg(spec.name, problem));
        read.m_values.insert(spec.name, value);
        read.m_given.insert(spec.name, value);
    }
    return read;
}

} // namespace millrace::pipeline

#include "core/tracking/restarguments.h"

#include "core/tracking/trackingtypes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <cmath>

namespace millrace::tracking::rest {

namespace {

// A JSON value as it would appear in a request body, for messages.
QString spelled(const QJsonValue &value)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

} // namespace

RestReply errorReply(int status, const QString &code, const QString &message)
{
    return {status, QJsonObject{{QStringLiteral("error_code"), code},
                                {QStringLiteral("message"), message}}};
}

int statusFor(const QString &code)
{
    if (code == errorcode::kResourceDoesNotExist)
        return 404;
    if (code == errorcode::kInvalidParameterValue || code == errorcode::kResourceAlreadyExists
        || code == errorcode::kBadRequest)
        return 400;
    return 500;
}

RestReply errorReply(const Error &error)
{
    const QString code = error.code.isEmpty() ? errorcode::kInternalError : error.code;
    return errorReply(statusFor(code), code, error.message);
}

QString missing(const QString &name)
{
    return QStringLiteral("Missing value for required parameter '%1'. See the API docs for more "
                          "information about request parameters.")
        .arg(name);
}

QString requiredString(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    if (value.isUndefined() || value.isNull() || (value.isString() && value.toString().isEmpty()))
        throw BadArgument{missing(name)};
    if (!value.isString())
        throw BadArgument{
            QStringLiteral("Invalid value %1 for parameter '%2' supplied: expected a string")
                .arg(spelled(value), name)};
    return value.toString();
}

QString optionalString(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toDouble(), 'g', 17);
    return QString();
}

QString strictOptionalString(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString())
        throw BadArgument{
            QStringLiteral("Invalid value %1 for parameter '%2' supplied: expected a string")
                .arg(spelled(value), name)};
    return value.toString();
}

std::optional<qint64> optionalInt(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (value.isDouble())
        return qint64(value.toDouble());
    if (value.isString()) {
        bool ok = false;
        const qint64 number = value.toString().toLongLong(&ok);
        if (ok)
            return number;
    }
    throw BadArgument{QStringLiteral("Invalid value %1 for parameter '%2' supplied: expected an "
                                     "integer")
                          .arg(value.toVariant().toString(), name)};
}

qint64 requiredInt(const QJsonObject &args, const QString &name)
{
    const std::optional<qint64> value = optionalInt(args, name);
    if (!value)
        throw BadArgument{missing(name)};
    return *value;
}

double requiredDouble(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    if (value.isDouble())
        return value.toDouble();
    if (value.isString()) {
        // Protobuf's JSON spells non-finite numbers as strings.
        const QString text = value.toString();
        if (text == QLatin1String("NaN"))
            return std::nan("");
        if (text == QLatin1String("Infinity"))
            return INFINITY;
        if (text == QLatin1String("-Infinity"))
            return -INFINITY;
        bool ok = false;
        const double number = text.toDouble(&ok);
        if (ok)
            return number;
    }
    if (value.isUndefined() || value.isNull())
        throw BadArgument{missing(name)};
    throw BadArgument{
        QStringLiteral("Invalid value for parameter '%1' supplied: expected a number").arg(name)};
}

bool optionalBool(const QJsonObject &args, const QString &name, bool fallback)
{
    const QJsonValue value = args.value(name);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (value.isBool())
        return value.toBool();
    // Query parameters are text.
    if (value.toString() == QLatin1String("true"))
        return true;
    if (value.toString() == QLatin1String("false"))
        return false;
    throw BadArgument{
        QStringLiteral("Invalid value %1 for parameter '%2' supplied: expected a boolean")
            .arg(spelled(value), name)};
}

QStringList stringList(const QJsonObject &args, const QString &name)
{
    const QJsonValue value = args.value(name);
    QStringList list;
    if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            list.append(item.toString());
    } else if (value.isString()) {
        list.append(value.toString());
    }
    return list;
}

QList<QPair<QString, QString>> keyValues(const QJsonObject &args, const QString &name)
{
    QList<QPair<QString, QString>> pairs;
    const QJsonValue value = args.value(name);
    if (value.isUndefined() || value.isNull())
        return pairs;
    if (!value.isArray())
        throw BadArgument{
            QStringLiteral("Invalid value for parameter '%1': expected a list").arg(name)};
    for (const QJsonValue &item : value.toArray()) {
        const QJsonObject pair = item.toObject();
        pairs.append({requiredString(pair, QStringLiteral("key")),
                      optionalString(pair, QStringLiteral("value"))});
    }
    return pairs;
}

RestReply emptyOr(const Result<void> &result)
{
    if (!result)
        return errorReply(result.error());
    return {200, QJsonObject()};
}

QJsonObject pageJson(const QString &field, const QJsonArray &items, const QString &nextPageToken)
{
    QJsonObject json;
    if (!items.isEmpty())
        json.insert(field, items);
    if (!nextPageToken.isEmpty())
        json.insert(QStringLiteral("next_page_token"), nextPageToken);
    return json;
}

} // namespace millrace::tracking::rest

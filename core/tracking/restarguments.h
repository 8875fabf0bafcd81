#pragma once

#include "core/base/result.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace millrace::tracking {

/// What a JSON endpoint answers: the HTTP status and the JSON body.
using RestReply = QPair<int, QJsonObject>;

/// A JSON endpoint served beside the tracking ones (the model registry's, say): its path under
/// `/api/2.0/mlflow/` ("registered-models/get"), the HTTP method it answers, and the handler that
/// turns the request's merged query and body arguments into a reply. Handlers run on the REST
/// server's pool and report bad arguments by throwing rest::BadArgument.
struct RestEndpoint
{
    QString path;
    QByteArray method; ///< "GET", "POST", "PATCH" or "DELETE"
    std::function<RestReply(const QJsonObject &arguments)> handler;
};

/// Reading MLflow REST arguments and writing MLflow's replies, shared by every JSON endpoint.
namespace rest {

/// Thrown by the argument readers (and by handlers for arguments they check themselves); the
/// REST API answers it with 400 INVALID_PARAMETER_VALUE and the message.
struct BadArgument
{
    QString message;
};

/// An error reply in MLflow's shape: `{"error_code": ..., "message": ...}`.
RestReply errorReply(int status, const QString &code, const QString &message);
/// The reply for a failed store call: its code (INTERNAL_ERROR when it has none) and the HTTP
/// status MLflow gives that code.
RestReply errorReply(const Error &error);
/// MLflow's HTTP status for an error code (404 for RESOURCE_DOES_NOT_EXIST, 400 for bad input,
/// 500 otherwise, INVALID_STATE included).
int statusFor(const QString &code);

/// MLflow's message for a required parameter that is absent or empty.
QString missing(const QString &name);

/// A string that must be present and non-empty; other types are refused.
QString requiredString(const QJsonObject &args, const QString &name);
/// A string, or a number spelled as text; empty when absent or of another type.
QString optionalString(const QJsonObject &args, const QString &name);
/// A string; empty when absent or null; other types are refused (MLflow's `_assert_string`).
QString strictOptionalString(const QJsonObject &args, const QString &name);
/// An integer given as a JSON number or as text (query parameters, proto int64 as a string).
std::optional<qint64> optionalInt(const QJsonObject &args, const QString &name);
qint64 requiredInt(const QJsonObject &args, const QString &name);
/// A number, with protobuf's "NaN", "Infinity" and "-Infinity" spellings.
double requiredDouble(const QJsonObject &args, const QString &name);
/// A JSON boolean, or "true"/"false" from a query string; `fallback` when absent.
bool optionalBool(const QJsonObject &args, const QString &name, bool fallback = false);
/// A list of strings (a repeated query parameter or a JSON array), or one string as a list.
QStringList stringList(const QJsonObject &args, const QString &name);
/// A list of `{"key": ..., "value": ...}` objects (tags, params).
QList<QPair<QString, QString>> keyValues(const QJsonObject &args, const QString &name);

/// 200 with `toJson(value)`, or the error reply of a failed result.
template <typename T>
RestReply valueOr(const Result<T> &result, const std::function<QJsonObject(const T &)> &toJson)
{
    if (!result)
        return errorReply(result.error());
    return {200, toJson(*result)};
}

/// 200 with an empty object, or the error reply of a failed result.
RestReply emptyOr(const Result<void> &result);

/// A list answer as MLflow's JSON spells it: `items` under `field` and the next page's token,
/// each left out when empty.
QJsonObject pageJson(const QString &field, const QJsonArray &items,
                     const QString &nextPageToken = QString());

} // namespace rest

} // namespace millrace::tracking

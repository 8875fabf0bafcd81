#include "core/tracking/restapi.h"

#include "core/base/httphost.h"
#include "core/base/pooledresponse.h"
#include "core/tracking/restarguments.h"
#include "core/tracking/trackingjson.h"
#include "core/tracking/trackinglog.h"
#include "core/tracking/trackingstore.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMimeDatabase>
#include <QSaveFile>
#include <QUrlQuery>

#include <functional>

namespace millrace::tracking {

namespace {

using namespace rest;
using Reply = RestReply;

const QString kApi = QStringLiteral("/api/2.0/mlflow/");
const QString kArtifactsApi = QStringLiteral("/api/2.0/mlflow-artifacts/artifacts");

ViewType viewType(const QJsonObject &args, const QString &name)
{
    const std::optional<ViewType> type = viewTypeFromString(optionalString(args, name));
    if (!type)
        throw BadArgument{QStringLiteral("Invalid value for parameter '%1'").arg(name)};
    return *type;
}

// ---- the endpoints -------------------------------------------------------------------------

using Handler = std::function<Reply(TrackingStore &, const QJsonObject &)>;

QMap<QString, Handler> handlers()
{
    QMap<QString, Handler> map;
    map.insert(QStringLiteral("experiments/create"), [](TrackingStore &t, const QJsonObject &a) {
        KeyValueList tags;
        for (const auto &[key, value] : keyValues(a, QStringLiteral("tags")))
            tags.insert(key, value);
        return valueOr<QString>(
            t.createExperiment(requiredString(a, QStringLiteral("name")),
                               optionalString(a, QStringLiteral("artifact_location")), tags),
            [](const QString &id) {
                return QJsonObject{{QStringLiteral("experiment_id"), id}};
            });
    });
    map.insert(QStringLiteral("experiments/get"), [](TrackingStore &t, const QJsonObject &a) {
        return valueOr<Experiment>(
            t.experiment(requiredString(a, QStringLiteral("experiment_id"))),
            [](const Experiment &e) {
                return QJsonObject{{QStringLiteral("experiment"), experimentJson(e)}};
            });
    });
    map.insert(QStringLiteral("experiments/get-by-name"),
               [](TrackingStore &t, const QJsonObject &a) {
                   return valueOr<Experiment>(
                       t.experimentByName(requiredString(a, QStringLiteral("experiment_name"))),
                       [](const Experiment &e) {
                           return QJsonObject{{QStringLiteral("experiment"), experimentJson(e)}};
                       });
               });
    map.insert(QStringLiteral("experiments/search"), [](TrackingStore &t, const QJsonObject &a) {
        return valueOr<Page<Experiment>>(
            t.searchExperiments(viewType(a, QStringLiteral("view_type")),
                                int(optionalInt(a, QStringLiteral("max_results")).value_or(1000)),
                                optionalString(a, QStringLiteral("page_token")),
                                optionalString(a, QStringLiteral("filter")),
                                stringList(a, QStringLiteral("order_by"))),
            [](const Page<Experiment> &page) {
                QJsonArray experiments;
                for (const Experiment &e : page.items)
                    experiments.append(experimentJson(e));
                return pageJson(QStringLiteral("experiments"), experiments, page.nextPageToken);
            });
    });
    map.insert(QStringLiteral("experiments/update"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.renameExperiment(requiredString(a, QStringLiteral("experiment_id")),
                                          requiredString(a, QStringLiteral("new_name"))));
    });
    map.insert(QStringLiteral("experiments/delete"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.deleteExperiment(requiredString(a, QStringLiteral("experiment_id"))));
    });
    map.insert(QStringLiteral("experiments/restore"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.restoreExperiment(requiredString(a, QStringLiteral("experiment_id"))));
    });
    map.insert(QStringLiteral("experiments/set-experiment-tag"), [](TrackingStore &t,
                                                                    const QJsonObject &a) {
        return emptyOr(t.setExperimentTag(requiredString(a, QStringLiteral("experiment_id")),
                                          requiredString(a, QStringLiteral("key")),
                                          optionalString(a, QStringLiteral("value"))));
    });
    map.insert(QStringLiteral("runs/create"), [](TrackingStore &t, const QJsonObject &a) {
        return valueOr<Run>(t.createRun(requiredString(a, QStringLiteral("experiment_id")),
                                        optionalString(a, QStringLiteral("user_id")),
                                        optionalString(a, QStringLiteral("run_name")),
                                        optionalInt(a, QStringLiteral("start_time")),
                                        keyValues(a, QStringLiteral("tags"))),
                            [](const Run &run) {
                                return QJsonObject{{QStringLiteral("run"), runJson(run)}};
                            });
    });
    map.insert(QStringLiteral("runs/get"), [](TrackingStore &t, const QJsonObject &a) {
        QString id = optionalString(a, QStringLiteral("run_id"));
        if (id.isEmpty())
            id = requiredString(a, QStringLiteral("run_uuid"));
        return valueOr<Run>(t.run(id), [](const Run &run) {
            return QJsonObject{{QStringLiteral("run"), runJson(run)}};
        });
    });
    map.insert(QStringLiteral("runs/update"), [](TrackingStore &t, const QJsonObject &a) {
        QString id = optionalString(a, QStringLiteral("run_id"));
        if (id.isEmpty())
            id = requiredString(a, QStringLiteral("run_uuid"));
        std::optional<RunStatus> status;
        const QString statusText = optionalString(a, QStringLiteral("status"));
        if (!statusText.isEmpty()) {
            status = runStatusFromString(statusText);
            if (!status)
                throw BadArgument{
                    QStringLiteral("Invalid value %1 for parameter 'status' supplied.")
                        .arg(statusText)};
        }
        return valueOr<RunInfo>(
            t.updateRun(id, status, optionalInt(a, QStringLiteral("end_time")),
                        optionalString(a, QStringLiteral("run_name"))),
            [](const RunInfo &info) {
                return QJsonObject{{QStringLiteral("run_info"), runInfoJson(info)}};
            });
    });
    map.insert(QStringLiteral("runs/delete"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.deleteRun(requiredString(a, QStringLiteral("run_id"))));
    });
    map.insert(QStringLiteral("runs/restore"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.restoreRun(requiredString(a, QStringLiteral("run_id"))));
    });
    auto runIdOf = [](const QJsonObject &a) {
        QString id = optionalString(a, QStringLiteral("run_id"));
        return id.isEmpty() ? requiredString(a, QStringLiteral("run_uuid")) : id;
    };
    map.insert(QStringLiteral("runs/log-metric"),
               [runIdOf](TrackingStore &t, const QJsonObject &a) {
                   const QString runId = runIdOf(a);
                   MetricPoint point{requiredString(a, QStringLiteral("key")),
                                     requiredDouble(a, QStringLiteral("value")),
                                     requiredInt(a, QStringLiteral("timestamp")),
                                     optionalInt(a, QStringLiteral("step")).value_or(0)};
                   return emptyOr(t.logBatch(runId, {point}, {}, {}));
               });
    map.insert(QStringLiteral("runs/log-parameter"),
               [runIdOf](TrackingStore &t, const QJsonObject &a) {
                   const QString runId = runIdOf(a);
                   return emptyOr(t.logBatch(runId, {},
                                             {{requiredString(a, QStringLiteral("key")),
                                               optionalString(a, QStringLiteral("value"))}},
                                             {}));
               });
    map.insert(QStringLiteral("runs/set-tag"), [runIdOf](TrackingStore &t, const QJsonObject &a) {
        const QString runId = runIdOf(a);
        return emptyOr(t.logBatch(runId, {}, {},
                                  {{requiredString(a, QStringLiteral("key")),
                                    optionalString(a, QStringLiteral("value"))}}));
    });
    map.insert(QStringLiteral("runs/delete-tag"), [](TrackingStore &t, const QJsonObject &a) {
        return emptyOr(t.deleteTag(requiredString(a, QStringLiteral("run_id")),
                                   requiredString(a, QStringLiteral("key"))));
    });
    map.insert(QStringLiteral("runs/log-batch"), [](TrackingStore &t, const QJsonObject &a) {
        const QString runId = requiredString(a, QStringLiteral("run_id"));
        QList<MetricPoint> metrics;
        const QJsonValue metricValues = a.value(QStringLiteral("metrics"));
        if (!metricValues.isUndefined() && !metricValues.isNull() && !metricValues.isArray())
            throw BadArgument{
                QStringLiteral("Invalid value for parameter 'metrics': expected a list")};
        for (const QJsonValue &item : metricValues.toArray()) {
            const QJsonObject m = item.toObject();
            metrics.append({requiredString(m, QStringLiteral("key")),
                            requiredDouble(m, QStringLiteral("value")),
                            requiredInt(m, QStringLiteral("timestamp")),
                            optionalInt(m, QStringLiteral("step")).value_or(0)});
        }
        return emptyOr(t.logBatch(runId, metrics, keyValues(a, QStringLiteral("params")),
                                  keyValues(a, QStringLiteral("tags"))));
    });
    map.insert(QStringLiteral("runs/search"), [](TrackingStore &t, const QJsonObject &a) {
        return valueOr<Page<Run>>(
            t.searchRuns(stringList(a, QStringLiteral("experiment_ids")),
                         optionalString(a, QStringLiteral("filter")),
                         viewType(a, QStringLiteral("run_view_type")),
                         int(optionalInt(a, QStringLiteral("max_results")).value_or(1000)),
                         stringList(a, QStringLiteral("order_by")),
                         optionalString(a, QStringLiteral("page_token"))),
            [](const Page<Run> &page) {
                QJsonArray runs;
                for (const Run &run : page.items)
                    runs.append(runJson(run));
                return pageJson(QStringLiteral("runs"), runs, page.nextPageToken);
            });
    });
    map.insert(QStringLiteral("metrics/get-history"), [](TrackingStore &t, const QJsonObject &a) {
        QString id = optionalString(a, QStringLiteral("run_id"));
        if (id.isEmpty())
            id = requiredString(a, QStringLiteral("run_uuid"));
        return valueOr<Page<MetricPoint>>(
            t.metricHistory(id, requiredString(a, QStringLiteral("metric_key")),
                            int(optionalInt(a, QStringLiteral("max_results")).value_or(0)),
                            optionalString(a, QStringLiteral("page_token"))),
            [](const Page<MetricPoint> &page) {
                QJsonArray metrics;
                for (const MetricPoint &point : page.items)
                    metrics.append(metricJson(point));
                return pageJson(QStringLiteral("metrics"), metrics, page.nextPageToken);
            });
    });
    // Millrace has no logged models (MLflow 3's model entities) yet: the client asks for them
    // while listing artifacts and gets the empty answer of a server that has none.
    map.insert(QStringLiteral("logged-models/search"), [](TrackingStore &, const QJsonObject &) {
        return Reply{200, QJsonObject()};
    });
    map.insert(
        QStringLiteral("artifacts/list"), [](TrackingStore &t, const QJsonObject &a) -> Reply {
            QString id = optionalString(a, QStringLiteral("run_id"));
            if (id.isEmpty())
                id = requiredString(a, QStringLiteral("run_uuid"));
            Result<Run> run = t.run(id);
            if (!run)
                return errorReply(run.error());
            Result<QString> directory = t.runArtifactDirectory(id);
            if (!directory)
                return errorReply(directory.error());
            const QString relative = QDir::cleanPath(optionalString(a, QStringLiteral("path")));
            if (relative.startsWith(QLatin1String("..")) || QDir::isAbsolutePath(relative))
                return errorReply(400, errorcode::kInvalidParameterValue,
                                  QStringLiteral("Invalid path '%1'").arg(relative));
            const QDir dir(
                QDir(*directory).filePath(relative == QLatin1String(".") ? QString() : relative));
            QJsonArray files;
            for (const QFileInfo &entry :
                 dir.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot, QDir::Name)) {
                QJsonObject file{
                    {QStringLiteral("path"), relative == QLatin1String(".")
                                                 ? entry.fileName()
                                                 : relative + QLatin1Char('/') + entry.fileName()},
                    {QStringLiteral("is_dir"), entry.isDir()}};
                if (!entry.isDir())
                    file.insert(QStringLiteral("file_size"), entry.size());
                files.append(file);
            }
            QJsonObject json{{QStringLiteral("root_uri"), run->info.artifactUri}};
            if (!files.isEmpty())
                json.insert(QStringLiteral("files"), files);
            return {200, json};
        });
    return map;
}

// Arguments of a request: the query's, overlaid with the JSON body's.
std::optional<QJsonObject> argumentsOf(const QUrlQuery &query, const QByteArray &body, Reply *error)
{
    QJsonObject arguments;
    // Clients send forms' encoding (requests' `params`): '+' is a space there, which QUrlQuery
    // leaves as it is ("name = 'x'" arrives as name+%3D+%27x%27).
    const auto decoded = [](QString text) {
        return QUrl::fromPercentEncoding(text.replace(QLatin1Char('+'), QLatin1Char(' ')).toUtf8());
    };
    const auto items = query.queryItems(QUrl::FullyEncoded);
    for (const auto &[encodedKey, encodedValue] : items) {
        const QString key = decoded(encodedKey);
        const QString value = decoded(encodedValue);
        // Repeated keys (experiment_ids, order_by) collect into a list.
        if (arguments.contains(key)) {
            QJsonArray list = arguments.value(key).isArray() ? arguments.value(key).toArray()
                                                             : QJsonArray{arguments.value(key)};
            list.append(value);
            arguments.insert(key, list);
        } else {
            arguments.insert(key, value);
        }
    }
    if (!body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            *error = errorReply(400, errorcode::kBadRequest,
                                parseError.error != QJsonParseError::NoError
                                    ? QStringLiteral("Malformed JSON request body at byte %1: %2")
                                          .arg(parseError.offset)
                                          .arg(parseError.errorString())
                                    : QStringLiteral("The request body must be a JSON object"));
            return std::nullopt;
        }
        const QJsonObject object = document.object();
        for (auto it = object.begin(); it != object.end(); ++it)
            arguments.insert(it.key(), it.value());
    }
    return arguments;
}

QHttpServerResponse toResponse(const Reply &reply)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"),
                               QJsonDocument(reply.second).toJson(QJsonDocument::Compact),
                               QHttpServerResponse::StatusCode(reply.first));
}

Reply rebindingRefused()
{
    return errorReply(
        403, QStringLiteral("PERMISSION_DENIED"),
        QStringLiteral("Invalid Host header - possible DNS rebinding attack detected"));
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    default:
        return QByteArray();
    }
}

// Artifact paths: relative, no '..', inside the artifact root.
std::optional<QString> artifactPath(const QString &root, const QString &relative)
{
    const QString clean = QDir::cleanPath(relative);
    if (clean.isEmpty() || clean.startsWith(QLatin1String("..")) || QDir::isAbsolutePath(clean)
        || clean.contains(QLatin1String("/../")))
        return std::nullopt;
    return QDir(root).filePath(clean == QLatin1String(".") ? QString() : clean);
}

} // namespace

RestApi::RestApi(TrackingStore &tracking, const QList<RestEndpoint> &endpoints, int threads)
    : m_tracking(tracking)
{
    for (const RestEndpoint &endpoint : endpoints)
        m_endpoints.insert(endpoint.path, endpoint);
    m_pool.setMaxThreadCount(threads);
    m_pool.setObjectName(QStringLiteral("tracking-api"));
}

RestApi::~RestApi()
{
    m_pool.waitForDone();
}

void RestApi::waitForRequests()
{
    m_pool.waitForDone();
}

RestReply RestApi::handle(const QString &endpoint, const QJsonObject &arguments,
                          const QByteArray &method)
{
    static const QMap<QString, Handler> table = handlers();
    std::function<Reply()> call;
    if (m_endpoints.contains(endpoint)) {
        // Added endpoints answer their own method only, as MLflow's routes do; one path may
        // have a handler per method (registered-models/alias: POST sets, GET reads, DELETE).
        for (auto it = m_endpoints.constFind(endpoint);
             it != m_endpoints.cend() && it.key() == endpoint; ++it) {
            if (it->method == method)
                call = [handler = it->handler, &arguments] { return handler(arguments); };
        }
        if (!call)
            return errorReply(405, QStringLiteral("ENDPOINT_NOT_FOUND"),
                              QStringLiteral("The method %1 is not allowed for API endpoint %2")
                                  .arg(QString::fromLatin1(method), endpoint));
    } else {
        const auto handler = table.constFind(endpoint);
        if (handler == table.cend())
            return errorReply(404, QStringLiteral("ENDPOINT_NOT_FOUND"),
                              QStringLiteral("No API endpoint %1").arg(endpoint));
        call = [this, handler, &arguments] { return (*handler)(m_tracking, arguments); };
    }
    try {
        return call();
    } catch (const BadArgument &bad) {
        return errorReply(400, errorcode::kInvalidParameterValue, bad.message);
    } catch (const std::exception &e) {
        qCWarning(lcTracking) << endpoint << "failed:" << e.what();
        return errorReply(500, errorcode::kInternalError, QString::fromLocal8Bit(e.what()));
    }
}

void RestApi::registerRoutes(QHttpServer &server, bool loopbackOnly)
{
    // On a loopback address only local names may be asked for: a web page that rebinds its own
    // domain to 127.0.0.1 must not reach the API through the user's browser.
    const auto hostAllowed = [loopbackOnly](const QHttpServerRequest &request) {
        return !loopbackOnly || isLoopbackHost(request.value(QByteArrayLiteral("Host")));
    };
    // JSON endpoints: /api/2.0/mlflow/<group>/<action>, GET or POST as the client chooses.
    // The work runs on the pool; the answer goes back only to a client still connected (see
    // respondFromPool: Qt 6.4's QFuture routes crash on one that gave up).
    server.route(kApi + QStringLiteral("<arg>/<arg>"),
                 [this, hostAllowed, &server](const QString &group, const QString &action,
                                              const QHttpServerRequest &request,
                                              QHttpServerResponder &&responder) {
                     if (!hostAllowed(request)) {
                         toResponse(rebindingRefused()).write(std::move(responder));
                         return;
                     }
                     Reply error;
                     const std::optional<QJsonObject> arguments =
                         argumentsOf(request.query(), request.body(), &error);
                     if (!arguments) {
                         toResponse(error).write(std::move(responder));
                         return;
                     }
                     const QString endpoint = group + QLatin1Char('/') + action;
                     respondFromPool(std::move(responder), &server, m_pool,
                                     [this, endpoint, args = *arguments,
                                      method = methodName(request.method())] {
                                         return toResponse(handle(endpoint, args, method));
                                     });
                 });

    // The artifact proxy: files under the workspace's artifacts folder.
    const QString root = m_tracking.artifactRoot();
    server.route(kArtifactsApi + QStringLiteral("/<arg>"), [root, hostAllowed](
                                                               const QUrl &path,
                                                               const QHttpServerRequest &request) {
        if (!hostAllowed(request))
            return toResponse(rebindingRefused());
        const std::optional<QString> file = artifactPath(root, path.toString());
        if (!file)
            return toResponse(
                errorReply(400, errorcode::kInvalidParameterValue,
                           QStringLiteral("Invalid artifact path '%1'").arg(path.toString())));
        if (request.method() == QHttpServerRequest::Method::Put) {
            if (!QDir().mkpath(QFileInfo(*file).absolutePath()))
                return toResponse(errorReply(500, errorcode::kInternalError,
                                             QStringLiteral("Cannot create the folder "
                                                            "for '%1'")
                                                 .arg(path.toString())));
            // Written whole or not at all: a half-uploaded file is never listed.
            QSaveFile out(*file);
            if (!out.open(QIODevice::WriteOnly) || out.write(request.body()) < 0 || !out.commit())
                return toResponse(
                    errorReply(500, errorcode::kInternalError,
                               QStringLiteral("Cannot write '%1'").arg(path.toString())));
            return toResponse({200, QJsonObject()});
        }
        QFile in(*file);
        if (!QFileInfo(*file).isFile() || !in.open(QIODevice::ReadOnly))
            return toResponse(
                errorReply(404, errorcode::kResourceDoesNotExist,
                           QStringLiteral("File not found: %1").arg(path.toString())));
        QHttpServerResponse response(QMimeDatabase().mimeTypeForFile(*file).name().toUtf8(),
                                     in.readAll());
        response.addHeader(QByteArrayLiteral("Content-Disposition"),
                           QByteArrayLiteral("attachment; filename=\"")
                               + QFileInfo(*file).fileName().toUtf8() + QByteArrayLiteral("\""));
        return response;
    });
    server.route(kArtifactsApi, [root, hostAllowed](const QHttpServerRequest &request) {
        if (!hostAllowed(request))
            return toResponse(rebindingRefused());
        const QString relative =
            request.query().queryItemValue(QStringLiteral("path"), QUrl::FullyDecoded);
        const std::optional<QString> directory =
            relative.isEmpty() ? std::optional<QString>(root) : artifactPath(root, relative);
        if (!directory)
            return toResponse(
                errorReply(400, errorcode::kInvalidParameterValue,
                           QStringLiteral("Invalid artifact path '%1'").arg(relative)));
        QJsonArray files;
        for (const QFileInfo &entry :
             QDir(*directory).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot, QDir::Name)) {
            QJsonObject file{{QStringLiteral("path"), entry.fileName()},
                             {QStringLiteral("is_dir"), entry.isDir()}};
            if (!entry.isDir())
                file.insert(QStringLiteral("file_size"), entry.size());
            files.append(file);
        }
        QJsonObject json;
        if (!files.isEmpty())
            json.insert(QStringLiteral("files"), files);
        return toResponse({200, json});
    });
}

} // namespace millrace::tracking

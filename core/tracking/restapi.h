#pragma once

#include "core/tracking/restarguments.h"

#include <QJsonObject>
#include <QList>
#include <QMultiHash>
#include <QString>
#include <QThreadPool>

QT_BEGIN_NAMESPACE
class QHttpServer;
QT_END_NAMESPACE

namespace millrace::tracking {

class TrackingStore;

/// MLflow's tracking REST API (the `/api/2.0/mlflow/...` routes the `mlflow` Python client uses)
/// and its artifact proxy (`/api/2.0/mlflow-artifacts/...`), over a TrackingStore. Requests are
/// parsed on the HTTP server's thread and answered from a pool, so a slow write never holds up
/// other clients. Bad requests get MLflow's error body (`error_code`, `message`) and status.
/// Other modules (the model registry) add their own JSON endpoints under the same prefix with
/// `endpoints`, so one server speaks the whole MLflow API while tracking knows nothing of them.
class RestApi
{
public:
    /// `tracking` must outlive the API, and so must whatever `endpoints` use. Work runs on a
    /// pool of `threads` threads.
    explicit RestApi(TrackingStore &tracking, const QList<RestEndpoint> &endpoints = {},
                     int threads = 4);
    ~RestApi();

    /// Adds the routes to `server`. With `loopbackOnly`, requests whose Host header is not a
    /// local name are refused (403), as MLflow does against DNS rebinding.
    void registerRoutes(QHttpServer &server, bool loopbackOnly);
    /// Waits until the requests being handled on the pool are done (their answers are then
    /// posted to the server's thread).
    void waitForRequests();

    /// Handles one JSON endpoint (e.g. "runs/log-batch") with its merged query and body
    /// arguments; returns the HTTP status and the JSON body. Tracking endpoints answer any
    /// method; an added endpoint answers only its own (405 otherwise). Public for tests and
    /// benchmarks.
    RestReply handle(const QString &endpoint, const QJsonObject &arguments,
                     const QByteArray &method = QByteArrayLiteral("POST"));

private:
    TrackingStore &m_tracking;
    QMultiHash<QString, RestEndpoint> m_endpoints; ///< the added ones, by path
    QThreadPool m_pool;
};

} // namespace millrace::tracking

#pragma once

#include <QJsonObject>
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
class RestApi
{
public:
    /// `tracking` must outlive the API. Work runs on a pool of `threads` threads.
    explicit RestApi(TrackingStore &tracking, int threads = 4);
    ~RestApi();

    /// Adds the routes to `server`. With `loopbackOnly`, requests whose Host header is not a
    /// local name are refused (403), as MLflow does against DNS rebinding.
    void registerRoutes(QHttpServer &server, bool loopbackOnly);

    /// Handles one JSON endpoint (e.g. "runs/log-batch") with its merged query and body
    /// arguments; returns the HTTP status and the JSON body. Public for tests and benchmarks.
    QPair<int, QJsonObject> handle(const QString &endpoint, const QJsonObject &arguments);

private:
    TrackingStore &m_tracking;
    QThreadPool m_pool;
};

} // namespace millrace::tracking

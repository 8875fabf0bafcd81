#pragma once

#include "core/base/servicethread.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QPointer>
#include <QString>
#include <QTcpSocket>
#include <QThreadPool>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>

QT_BEGIN_NAMESPACE
class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QHttpServerResponse;
QT_END_NAMESPACE

namespace millrace::serving {

class MicroBatcher;
class ModelRouter;
class ServingMetrics;

/// The keychain entry that holds the scoring server's bearer token: `millrace serve token set`
/// and the Serving panel both keep it there.
QString servingTokenKey();

/// How the scoring server listens and what it accepts.
struct ScoringServerOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 5001; ///< 0 picks a free port
    /// Required as "Authorization: Bearer <token>" on every request but /ping and /health when
    /// not empty. The caller reads it from the keychain; it is never logged.
    QString token;
    /// Binding an address other than loopback without a token is refused unless this is set.
    bool allowUnauthenticatedRemote = false;
    int workers = 2;                        ///< inference threads
    qint64 maxBodyBytes = 32 * 1024 * 1024; ///< larger bodies get 413
    qint64 maxRows = 10000;                 ///< larger batches get 400
    /// Micro-batching that waits: requests arriving within maxBatchWait of each other are
    /// scored in one pass of up to maxBatchRows rows. Off at 1 or less; requests that queue
    /// while the workers are busy are then still scored together, without waiting.
    qint64 maxBatchRows = 0;
    std::chrono::microseconds maxBatchWait{2000};
};

/// MLflow's scoring protocol over HTTP, on its own thread (run it with a ServiceThread):
/// POST /invocations (JSON in its four formats, or CSV) answered by the model the router
/// chooses, GET /ping, /health, /version, and Prometheus text at /metrics. Parsing, inference
/// and the answer's JSON run on a pool of `workers` threads, so the HTTP thread only moves
/// bytes. A worker takes its share of what has queued, and the requests a version answers go
/// through it in one pass: a request alone is scored at once, and under load the passes grow,
/// which costs less per request. Every answer from a model names it: the JSON's "model" and
/// "model_version", and the header X-Millrace-Model-Version.
class ScoringServer : public Service
{
    Q_OBJECT
public:
    ScoringServer(ScoringServerOptions options, std::shared_ptr<ModelRouter> router,
                  std::shared_ptr<ServingMetrics> metrics);
    ~ScoringServer() override;

    void start() override;
    void stop() override;
    /// The port it listens on, 0 before it does. Safe from any thread.
    quint16 port() const { return m_port.load(); }

Q_SIGNALS:
    void listening(quint16 port);

private:
    void registerRoutes();
    /// Why `request` may not be answered (host or token), or nothing when it may.
    std::optional<QHttpServerResponse> refusal(const QHttpServerRequest &request,
                                               bool needsToken) const;

    /// A request waiting for an inference worker, as the HTTP thread took it.
    struct QueuedRequest
    {
        QByteArray body;
        QByteArray contentType;
        QElapsedTimer clock; ///< started when the request arrived
        std::shared_ptr<QHttpServerResponder> responder;
        QPointer<QTcpSocket> socket;
    };
    /// Queues a request for the workers, and starts one on the queue while fewer than
    /// `workers` are.
    void enqueue(QueuedRequest request);
    /// A worker's loop: takes its share of what has queued (up to 16 requests), scores it
    /// together, posts the answers to this object's thread, and ends when the queue is empty.
    void drainQueue();

    const ScoringServerOptions m_options;
    const std::shared_ptr<ModelRouter> m_router;
    const std::shared_ptr<ServingMetrics> m_metrics;
    std::atomic<quint16> m_port{0};
    QThreadPool m_pool;
    std::unique_ptr<MicroBatcher> m_batcher; ///< null when micro-batching is off
    /// Requests for the workers when micro-batching is off.
    std::mutex m_queueMutex;
    std::deque<QueuedRequest> m_queue;
    int m_queueWorkers = 0; ///< workers on the queue
    std::unique_ptr<QHttpServer> m_server;
};

} // namespace millrace::serving

#include "core/serving/scoringserver.h"

#include "core/base/httphost.h"
#include "core/base/pooledresponse.h"
#include "core/serving/microbatcher.h"
#include "core/serving/modelrouter.h"
#include "core/serving/scoringprotocol.h"
#include "core/serving/servinglog.h"
#include "core/serving/servingmetrics.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <optional>
#include <variant>

namespace millrace::serving {

namespace {

const QByteArray kJson = QByteArrayLiteral("application/json");
const QByteArray kVersionHeader = QByteArrayLiteral("X-Millrace-Model-Version");
// How long stop() waits for a connection's last answer to be written.
constexpr int kAnswerFlushMs = 5000;

QHttpServerResponse errorResponse(int status, const QString &code, const QString &message)
{
    return QHttpServerResponse(kJson, errorJson(code, message),
                               QHttpServerResponse::StatusCode(status));
}

// Compares without stopping at the first difference, so the time taken says nothing of how
// much of a guessed token was right.
bool sameSecret(const QByteArray &given, const QByteArray &expected)
{
    const QByteArray a = QCryptographicHash::hash(given, QCryptographicHash::Sha256);
    const QByteArray b = QCryptographicHash::hash(expected, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

// What one request produced, made on a worker: the response's parts and what the metrics need.
struct Answer
{
    int status = 200;
    QByteArray contentType = kJson;
    QByteArray body;
    qint64 version = 0; ///< the version that answered, 0 when none did
    qint64 rows = 0;
};

Answer errorAnswer(int status, const QString &code, const QString &message, qint64 version = 0)
{
    return Answer{status, kJson, errorJson(code, message), version, 0};
}

// A request read and routed, on an inference worker: the version that answers it and its
// rows, or its answer already when it cannot be scored (no version in service, a bad body).
struct Routed
{
    std::shared_ptr<const ServedModel> model;
    ScoringBatch batch;
    std::optional<Answer> answer;
};

Routed route(const ModelRouter &router, const QByteArray &body, const QByteArray &contentType,
             qint64 maxRows)
{
    Routed routed;
    routed.model = router.choose();
    if (!routed.model) {
        routed.answer = errorAnswer(
            503, QStringLiteral("TEMPORARILY_UNAVAILABLE"),
            QStringLiteral("No model version is in service yet: the served stage or alias has no "
                           "version, or it is still loading."));
        return routed;
    }
    auto parsed = parseScoringRequest(body, contentType, routed.model->inputSpec(), maxRows);
    if (auto *error = std::get_if<ScoringError>(&parsed))
        routed.answer =
            Answer{error->status, error->contentType, error->body, routed.model->version(), 0};
    else
        routed.batch = std::move(std::get<ScoringBatch>(parsed));
    return routed;
}

// The answer to `batch` from `model`'s `outputs` for it.
Answer answerWith(const ServedModel &model, const ScoringBatch &batch,
                  const Result<std::vector<float>> &outputs)
{
    if (!outputs) {
        const bool badInput = !outputs.error().code.isEmpty();
        if (!badInput)
            qCWarning(lcServing).noquote() << "version" << model.version() << "of" << model.name()
                                           << "failed:" << outputs.errorMessage();
        return errorAnswer(badInput ? 400 : 500,
                           badInput ? QStringLiteral("BAD_REQUEST")
                                    : QStringLiteral("INTERNAL_ERROR"),
                           outputs.errorMessage(), model.version());
    }
    const QJsonObject metadata{{QStringLiteral("model"), model.name()},
                               {QStringLiteral("model_version"), QString::number(model.version())}};
    return Answer{
        200, kJson,
        predictionsJson(batch, model.outputName(), model.outputWidth(), *outputs, metadata),
        model.version(), batch.rows};
}

// Parses, predicts and writes the answer through the micro-batcher; runs on a worker.
Answer scoreBatched(const ModelRouter &router, MicroBatcher &batcher, const QByteArray &body,
                    const QByteArray &contentType, qint64 maxRows)
{
    Routed routed = route(router, body, contentType, maxRows);
    if (routed.answer)
        return std::move(*routed.answer);
    return answerWith(*routed.model, routed.batch, batcher.predict(routed.model, routed.batch));
}

// The most rows queued requests are merged into for one pass (a larger request goes alone).
constexpr qint64 kMaxPassRows = 64;

// Answers requests taken from the queue together: those the same version answers go through
// it in passes of up to kMaxPassRows rows. Runs on a worker; the answers are in request order.
std::vector<Answer> scoreQueued(std::vector<Routed> &routed, ServingMetrics &metrics)
{
    std::vector<Answer> answers(routed.size());
    std::vector<bool> done(routed.size(), false);
    for (std::size_t i = 0; i < routed.size(); ++i) {
        if (routed[i].answer) {
            answers[i] = std::move(*routed[i].answer);
            done[i] = true;
        }
    }
    for (std::size_t first = 0; first < routed.size(); ++first) {
        if (done[first])
            continue;
        // This request, and the later ones for the same version that fit in its pass.
        const ServedModel &model = *routed[first].model;
        std::vector<std::size_t> members;
        std::vector<const ScoringBatch *> batches;
        qint64 rows = 0;
        for (std::size_t i = first; i < routed.size(); ++i) {
            if (done[i] || routed[i].model.get() != &model)
                continue;
            if (!members.empty() && rows + routed[i].batch.rows > kMaxPassRows)
                continue;
            rows += routed[i].batch.rows;
            members.push_back(i);
            batches.push_back(&routed[i].batch);
            done[i] = true;
        }
        metrics.recordPass(rows);
        const auto outputs = MicroBatcher::scoreTogether(model, batches);
        for (std::size_t k = 0; k < members.size(); ++k)
            answers[members[k]] = answerWith(model, routed[members[k]].batch, outputs[k]);
    }
    return answers;
}

QHttpServerResponse toResponse(const Answer &answer)
{
    QHttpServerResponse response(answer.contentType, answer.body,
                                 QHttpServerResponse::StatusCode(answer.status));
    if (answer.version > 0)
        response.addHeader(kVersionHeader, QByteArray::number(answer.version));
    return response;
}

// Counts the answer in the metrics (its latency since `clock` started) and makes the response.
QHttpServerResponse finishAnswer(ServingMetrics &metrics, const QElapsedTimer &clock,
                                 const Answer &answer)
{
    metrics.recordRequest(answer.version, answer.status, double(clock.nsecsElapsed()) / 1e9,
                          answer.rows);
    metrics.requestFinished();
    return toResponse(answer);
}

} // namespace

QString servingTokenKey()
{
    return QStringLiteral("serving/token");
}

ScoringServer::ScoringServer(ScoringServerOptions options, std::shared_ptr<ModelRouter> router,
                             std::shared_ptr<ServingMetrics> metrics)
    : m_options(std::move(options)), m_router(std::move(router)), m_metrics(std::move(metrics))
{
    // With micro-batching, requests wait on a worker for their batch: enough workers let a
    // batch fill up.
    const bool batching = m_options.maxBatchRows > 1;
    m_pool.setMaxThreadCount(
        batching ? int(std::clamp<qint64>(m_options.maxBatchRows, m_options.workers, 64))
                 : std::max(1, m_options.workers));
    if (batching)
        m_batcher = std::make_unique<MicroBatcher>(
            m_options.maxBatchRows, m_options.maxBatchWait,
            [metrics = m_metrics](qint64 rows) { metrics->recordPass(rows); });
    m_pool.setObjectName(QStringLiteral("serving-workers"));
    // Workers stay: a request should not pay for starting a thread.
    m_pool.setExpiryTimeout(-1);
}

ScoringServer::~ScoringServer()
{
    m_pool.waitForDone();
}

void ScoringServer::start()
{
    const bool loopback = m_options.address.isLoopback();
    if (!loopback && m_options.token.isEmpty() && !m_options.allowUnauthenticatedRemote) {
        const QString message =
            QStringLiteral("refusing to serve on %1 without a token: anyone who can reach this "
                           "machine could use the model. Set a serving token, or allow it "
                           "explicitly (--allow-unauthenticated)")
                .arg(m_options.address.toString());
        qCWarning(lcServing).noquote() << message;
        Q_EMIT failed(message);
        return;
    }
    if (!loopback)
        qCWarning(lcServing).noquote()
            << "serving on" << m_options.address.toString()
            << (m_options.token.isEmpty()
                    ? "WITHOUT a token: every machine that reaches this one can use the model"
                    : "(not only this machine): requests need the token");
    m_server = std::make_unique<QHttpServer>();
    registerRoutes();
    const quint16 port = m_server->listen(m_options.address, m_options.port);
    if (port == 0) {
        const QString message = QStringLiteral("the scoring server cannot listen on %1:%2 (is the "
                                               "port in use? choose another)")
                                    .arg(m_options.address.toString())
                                    .arg(m_options.port);
        qCWarning(lcServing).noquote() << message;
        m_server.reset();
        Q_EMIT failed(message);
        return;
    }
    m_port = port;
    qCInfo(lcServing).noquote()
        << "scoring server on"
        << QStringLiteral("http://%1:%2/invocations").arg(m_options.address.toString()).arg(port);
    Q_EMIT listening(port);
}

void ScoringServer::stop()
{
    if (m_server) {
        // Requests in flight are answered before the connections close: deleting the server
        // at once would abort its sockets while the workers still scored, and those clients
        // would get no answer at all. So: take no new connections, let the workers finish,
        // deliver their answers (posted to this object, on this thread) and
        // close each connection once its answer is written.
        const QList<QTcpServer *> listeners = m_server->servers();
        for (QTcpServer *listener : listeners)
            listener->close();
        m_pool.waitForDone();
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
        const QList<QTcpSocket *> connections = m_server->findChildren<QTcpSocket *>();
        for (QTcpSocket *connection : connections) {
            connection->disconnectFromHost();
            if (connection->state() != QAbstractSocket::UnconnectedState)
                connection->waitForDisconnected(kAnswerFlushMs);
        }
    }
    m_server.reset();
    m_pool.waitForDone();
    m_port = 0;
}

std::optional<QHttpServerResponse> ScoringServer::refusal(const QHttpServerRequest &request,
                                                          bool needsToken) const
{
    if (m_options.address.isLoopback() && !isLoopbackHost(request.value("Host")))
        return errorResponse(403, QStringLiteral("PERMISSION_DENIED"),
                             QStringLiteral("Invalid Host header - possible DNS rebinding "
                                            "attack detected"));
    if (needsToken && !m_options.token.isEmpty()) {
        const QByteArray header = request.value("Authorization");
        // "Bearer <token>", the scheme's name in any case (RFC 7235, 2.1).
        const QByteArray scheme = QByteArrayLiteral("bearer ");
        const bool bearer =
            header.size() > scheme.size() && header.left(scheme.size()).toLower() == scheme;
        if (!bearer || !sameSecret(header.mid(scheme.size()).trimmed(), m_options.token.toUtf8())) {
            QHttpServerResponse response =
                errorResponse(401, QStringLiteral("UNAUTHENTICATED"),
                              header.isEmpty() ? QStringLiteral("This server needs a token: "
                                                                "send Authorization: Bearer "
                                                                "<token>")
                                               : QStringLiteral("The token is not valid"));
            response.addHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer"));
            return response;
        }
    }
    return std::nullopt;
}

void ScoringServer::registerRoutes()
{
    // Health: 200 while a model is in service, 404 before, as MLflow's /ping.
    const auto health = [this](const QHttpServerRequest &request) {
        if (auto refused = refusal(request, false))
            return std::move(*refused);
        const bool ready = m_router->deployment() && m_router->deployment()->primary;
        return QHttpServerResponse(kJson, QByteArrayLiteral("\n"),
                                   ready ? QHttpServerResponse::StatusCode::Ok
                                         : QHttpServerResponse::StatusCode::NotFound);
    };
    m_server->route(QStringLiteral("/ping"), QHttpServerRequest::Method::Get, health);
    m_server->route(QStringLiteral("/health"), QHttpServerRequest::Method::Get, health);
    m_server->route(QStringLiteral("/version"), QHttpServerRequest::Method::Get,
                    [this](const QHttpServerRequest &request) {
                        if (auto refused = refusal(request, true))
                            return std::move(*refused);
                        return QHttpServerResponse(kJson,
                                                   QCoreApplication::applicationVersion().toUtf8());
                    });
    m_server->route(QStringLiteral("/metrics"), QHttpServerRequest::Method::Get,
                    [this](const QHttpServerRequest &request) {
                        if (auto refused = refusal(request, true))
                            return std::move(*refused);
                        return QHttpServerResponse(
                            QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                            m_metrics->prometheusText());
                    });
    m_server->route(
        QStringLiteral("/invocations"), QHttpServerRequest::Method::Post,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            QElapsedTimer clock;
            clock.start();
            m_metrics->requestStarted();
            const auto finish = [metrics = m_metrics, clock](const Answer &answer) {
                return finishAnswer(*metrics, clock, answer);
            };
            if (auto refused = refusal(request, true)) {
                m_metrics->recordRequest(0, int(refused->statusCode()),
                                         double(clock.nsecsElapsed()) / 1e9, 0);
                m_metrics->requestFinished();
                refused->write(std::move(responder));
                return;
            }
            if (request.body().size() > m_options.maxBodyBytes) {
                finish(errorAnswer(413, QStringLiteral("BAD_REQUEST"),
                                   QStringLiteral("The request body has %1 bytes; this server "
                                                  "takes at most %2")
                                       .arg(request.body().size())
                                       .arg(m_options.maxBodyBytes)))
                    .write(std::move(responder));
                return;
            }
            if (!m_batcher) {
                auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
                const QPointer<QTcpSocket> socket = pending->socket();
                enqueue({request.body(), request.value("Content-Type"), clock, std::move(pending),
                         socket});
                return;
            }
            respondFromPool(
                std::move(responder), this, m_pool,
                [finish, router = m_router, batcher = m_batcher.get(), body = request.body(),
                 contentType = request.value("Content-Type"), maxRows = m_options.maxRows] {
                    return finish(scoreBatched(*router, *batcher, body, contentType, maxRows));
                });
        });
}

void ScoringServer::enqueue(QueuedRequest request)
{
    bool startWorker = false;
    {
        std::lock_guard lock(m_queueMutex);
        m_queue.push_back(std::move(request));
        if (m_queueWorkers < std::max(1, m_options.workers)) {
            ++m_queueWorkers;
            startWorker = true;
        }
    }
    if (startWorker)
        m_pool.start([this] { drainQueue(); });
}

void ScoringServer::drainQueue()
{
    // Requests that queued while the workers were busy go together: under load each pass then
    // scores several images, which costs less per image (the layers' weights are read once, and
    // LibTorch's per-operation cost is paid once); alone, a request is scored at once.
    constexpr std::size_t kMaxTaken = 16;
    for (;;) {
        std::vector<QueuedRequest> taken;
        {
            std::lock_guard lock(m_queueMutex);
            if (m_queue.empty()) {
                --m_queueWorkers;
                return;
            }
            // A fair share, so that the other workers are not left idle while one scores all.
            const std::size_t share =
                (m_queue.size() + std::size_t(m_queueWorkers) - 1) / std::size_t(m_queueWorkers);
            while (!m_queue.empty() && taken.size() < std::min(share, kMaxTaken)) {
                taken.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        std::vector<Routed> routed;
        routed.reserve(taken.size());
        for (const QueuedRequest &request : taken)
            routed.push_back(
                route(*m_router, request.body, request.contentType, m_options.maxRows));
        const std::vector<Answer> answers = scoreQueued(routed, *m_metrics);
        auto replies =
            std::make_shared<std::vector<std::pair<QueuedRequest, QHttpServerResponse>>>();
        replies->reserve(taken.size());
        for (std::size_t i = 0; i < taken.size(); ++i) {
            QHttpServerResponse response = finishAnswer(*m_metrics, taken[i].clock, answers[i]);
            replies->emplace_back(std::move(taken[i]), std::move(response));
        }
        // Written on the server's thread, only to clients still connected; the responders are
        // let go there too.
        QMetaObject::invokeMethod(
            this,
            [replies] {
                for (auto &[request, response] : *replies) {
                    if (request.socket
                        && request.socket->state() == QAbstractSocket::ConnectedState)
                        response.write(std::move(*request.responder));
                }
                replies->clear();
            },
            Qt::QueuedConnection);
    }
}

} // namespace millrace::serving

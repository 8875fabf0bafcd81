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

// Parses, predicts and writes the answer; runs on an inference worker.
Answer score(const ModelRouter &router, MicroBatcher *batcher, const QByteArray &body,
             const QByteArray &contentType, qint64 maxRows)
{
    const std::shared_ptr<const ServedModel> model = router.choose();
    if (!model)
        return errorAnswer(503, QStringLiteral("TEMPORARILY_UNAVAILABLE"),
                           QStringLiteral("No model version is in service yet: the served stage "
                                          "or alias has no version, or it is still loading."));
    auto parsed = parseScoringRequest(body, contentType, model->inputSpec(), maxRows);
    if (auto *error = std::get_if<ScoringError>(&parsed))
        return Answer{error->status, error->contentType, error->body, model->version(), 0};
    const ScoringBatch &batch = std::get<ScoringBatch>(parsed);
    Result<std::vector<float>> outputs =
        batcher ? batcher->predict(model, batch) : model->predict(batch);
    if (!outputs) {
        const bool badInput = !outputs.error().code.isEmpty();
        if (!badInput)
            qCWarning(lcServing).noquote() << "version" << model->version() << "of" << model->name()
                                           << "failed:" << outputs.errorMessage();
        return errorAnswer(badInput ? 400 : 500,
                           badInput ? QStringLiteral("BAD_REQUEST")
                                    : QStringLiteral("INTERNAL_ERROR"),
                           outputs.errorMessage(), model->version());
    }
    const QJsonObject metadata{
        {QStringLiteral("model"), model->name()},
        {QStringLiteral("model_version"), QString::number(model->version())}};
    return Answer{
        200, kJson,
        predictionsJson(batch, model->outputName(), model->outputWidth(), *outputs, metadata),
        model->version(), batch.rows};
}

QHttpServerResponse toResponse(const Answer &answer)
{
    QHttpServerResponse response(answer.contentType, answer.body,
                                 QHttpServerResponse::StatusCode(answer.status));
    if (answer.version > 0)
        response.addHeader(kVersionHeader, QByteArray::number(answer.version));
    return response;
}

} // namespace

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
        m_batcher = std::make_unique<MicroBatcher>(m_options.maxBatchRows, m_options.maxBatchWait);
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
        const QByteArray prefix = QByteArrayLiteral("Bearer ");
        if (!header.startsWith(prefix)
            || !sameSecret(header.mid(prefix.size()).trimmed(), m_options.token.toUtf8())) {
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
                metrics->recordRequest(answer.version, answer.status,
                                       double(clock.nsecsElapsed()) / 1e9, answer.rows);
                metrics->requestFinished();
                return toResponse(answer);
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
            respondFromPool(std::move(responder), this, m_pool,
                            [finish, router = m_router, batcher = m_batcher.get(),
                             body = request.body(), contentType = request.value("Content-Type"),
                             maxRows = m_options.maxRows] {
                                return finish(score(*router, batcher, body, contentType, maxRows));
                            });
        });
}

} // namespace millrace::serving

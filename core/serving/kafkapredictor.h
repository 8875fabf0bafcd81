#pragma once

#include "core/base/servicethread.h"
#include "core/serving/predictormessages.h"
#include "core/streams/endpoint.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace::streams {
class MessageProducer;
}

namespace millrace::serving {

class ModelRouter;

/// What the Kafka predictor reads, where it answers, and when it asks for a retrain.
struct PredictorConfig
{
    streams::ClusterEndpoint endpoint;
    /// Where requests arrive: JSON samples, as the `stream` DAG publishes them.
    QString requestTopic = QStringLiteral("fashion-stream");
    /// Where predictions go, keyed like their requests.
    QString predictionsTopic = QStringLiteral("fashion-predictions");
    /// The consumer group whose committed offsets say where the predictor resumes. A new group
    /// starts at the end of the topic: requests published before the first start are not
    /// answered (nor counted toward a retrain).
    QString groupId = QStringLiteral("millrace-predictor");
    /// A retrain is asked for after every this many labelled requests; 0: never.
    qint64 retrainEvery = 500;
    /// The DAG a retrain triggers.
    QString retrainDag = QStringLiteral("update_model");
    streams::RecordLayout layout = streams::RecordLayout::fashionMnist();
    /// Requests answered in one pass at most (they share one forward pass per model version).
    int maxBatch = 64;
};

/// Asks for one run of `dagId`: in the app through SchedulerService::trigger, in `millrace
/// serve` through a scheduler_requests row. Called on the predictor's thread; must not block.
using RetrainRequester = std::function<void(const QString &dagId, const QJsonObject &conf)>;

/// The predictor's counters since it started, for the Serving panel and /metrics.
struct PredictorCounters
{
    qint64 consumed = 0;  ///< request messages read
    qint64 predicted = 0; ///< predictions published (delivered or queued)
    qint64 malformed = 0; ///< requests skipped as unreadable
    qint64 failed = 0;    ///< readable requests the model could not score, or not published
    qint64 labelled = 0;  ///< requests that carried a label
    qint64 labelledSinceRetrain = 0; ///< toward the next retrain
    qint64 retrainsRequested = 0;
    qint64 lastVersion = 0; ///< the version that answered the latest request (0: none yet)
};

/// The name the predictor's counters go under at a scoring server's /metrics
/// (ServingMetrics::setSource).
inline constexpr QLatin1StringView kPredictorMetricsSource{"kafka-predictor"};

/// The predictor's counters as it updates them: shared with whoever shows them (the Serving
/// panel, /metrics), so they outlive the predictor while read. Safe from any thread.
class PredictorStats
{
public:
    /// The counters now.
    PredictorCounters read() const;
    /// The counters in Prometheus' text format (millrace_predictor_*), for /metrics.
    QByteArray prometheusText() const;

    std::atomic<qint64> consumed{0};
    std::atomic<qint64> predicted{0};
    std::atomic<qint64> malformed{0};
    std::atomic<qint64> failed{0};
    std::atomic<qint64> labelled{0};
    std::atomic<qint64> labelledSinceRetrain{0};
    std::atomic<qint64> retrainsRequested{0};
    std::atomic<qint64> lastVersion{0};
};

/// Seed 002's real-time predictor: consumes a request topic as a consumer group, predicts each
/// request with the model the ModelRouter picks for it (the scoring server's router, so hot
/// swaps and A/B splits apply here too and a version being loaded never pauses it), publishes
/// a prediction record per request to the predictions topic (which must exist), and commits the
/// consumed offsets once the predictions are delivered (at least once: after a crash, requests
/// since the last commit are answered again). Every `retrainEvery` labelled requests it asks for
/// one run of the retrain DAG. Unreadable messages are counted, logged once per kind, and skipped.
///
/// A Service: runs on its own ServiceThread, reads Kafka in short polls from its event loop,
/// so stop() (which closes the consumer and flushes the producer) takes well under a second.
class KafkaPredictor : public Service
{
    Q_OBJECT
public:
    /// `router` is shared with the scoring server; `requestRetrain` may be empty (no retrains).
    KafkaPredictor(std::shared_ptr<const ModelRouter> router, PredictorConfig config,
                   RetrainRequester requestRetrain);
    ~KafkaPredictor() override;

    void start() override;
    void stop() override;

    const PredictorConfig &config() const { return m_config; }
    /// The counters now. Safe from any thread.
    PredictorCounters counters() const { return m_stats->read(); }
    /// The counters, to read after the predictor is gone too. Safe from any thread.
    std::shared_ptr<const PredictorStats> stats() const { return m_stats; }

Q_SIGNALS:
    /// The group assigned partitions of the request topic (the count), or took them away (0):
    /// requests published from now on are answered.
    void assigned(int partitions);
    /// A retrain of `dagId` was asked for, the `count`th since the start.
    void retrainRequested(const QString &dagId, qint64 count);
    /// A request could not be read; emitted once per kind of problem, with the first example.
    void malformedSeen(const QString &kind, const QString &message);

private:
    struct Consumer;
    struct Pending;
    void pump();
    void answer(std::vector<Pending> &batch);
    void commitDelivered();
    void reportMalformed(const QString &kind, const QString &message, const RequestOrigin &origin);
    void countLabelled(qint64 labelled);

    const std::shared_ptr<const ModelRouter> m_router;
    const PredictorConfig m_config;
    const RetrainRequester m_requestRetrain;
    const RequestDecoder m_decoder;
    std::unique_ptr<Consumer> m_consumer;
    std::unique_ptr<streams::MessageProducer> m_producer;
    QTimer *m_pumpTimer = nullptr;
    /// Per partition: the first offset read and not yet committed, and the next to commit.
    std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> m_uncommitted;
    std::int64_t m_uncommittedSinceMs = 0; ///< when the oldest uncommitted request was read
    std::int64_t m_failedDeliveries = 0;   ///< as the producer reported at the last commit
    std::set<QString> m_kindsLogged;
    bool m_waitingLogged = false;
    int m_assignedReported = 0; ///< the partitions last told of

    const std::shared_ptr<PredictorStats> m_stats = std::make_shared<PredictorStats>();
};

} // namespace millrace::serving

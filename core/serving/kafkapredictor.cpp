#include "core/serving/kafkapredictor.h"

#include "core/serving/modelrouter.h"
#include "core/serving/servedmodel.h"
#include "core/serving/servinglog.h"
#include "core/streams/clusterclient.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/producer.h"

#include <QDateTime>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>
#include <cstring>

namespace millrace::serving {

using namespace streams;

namespace {

// How long one poll waits for the first request: short, so stop() is served promptly.
constexpr int kPollMs = 50;
// Predictions are delivered in the background and offsets committed once nothing is in
// flight. Under a load that never lets the producer's queue empty, the loop waits for it (at
// most kFlushTimeout) when requests have waited this long for their commit.
constexpr qint64 kMaxCommitDelayMs = 5000;
// Bounded so that a broker outage does not keep the loop from stop() long.
constexpr std::chrono::milliseconds kFlushTimeout{1000};
// How long an assignment waits for the group's committed offsets and the partitions' ends.
constexpr int kOffsetsTimeoutMs = 5000;
// How long start() waits for the cluster to describe the predictions topic.
constexpr std::chrono::milliseconds kCheckTimeout{5000};

std::int64_t nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

// The consumer and what its rebalance callback (which runs inside rd_kafka_consumer_poll, on
// the predictor's thread) tells the loop: C callbacks never touch the QObject.
struct KafkaPredictor::Consumer
{
    KafkaHandle handle;
    int assigned = 0;

    // A partition the group never committed starts at its end as of now, the assignment,
    // rather than wherever the end is once the first fetch resolves it (auto.offset.reset):
    // then every request published after assigned() is answered.
    static void startAtCommittedOrEnd(rd_kafka_t *handle, rd_kafka_topic_partition_list_t *list)
    {
        if (rd_kafka_committed(handle, list, kOffsetsTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return; // auto.offset.reset decides, as usual
        for (int i = 0; i < list->cnt; ++i) {
            rd_kafka_topic_partition_t &partition = list->elems[i];
            if (partition.offset >= 0)
                continue;
            std::int64_t low = 0;
            std::int64_t high = 0;
            if (rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low,
                                                 &high, kOffsetsTimeoutMs)
                == RD_KAFKA_RESP_ERR_NO_ERROR)
                partition.offset = high;
        }
    }

    static void onRebalance(rd_kafka_t *handle, rd_kafka_resp_err_t error,
                            rd_kafka_topic_partition_list_t *list, void *opaque)
    {
        auto *consumer = static_cast<Consumer *>(opaque);
        const bool cooperative =
            std::strcmp(rd_kafka_rebalance_protocol(handle), "COOPERATIVE") == 0;
        if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            startAtCommittedOrEnd(handle, list);
            if (cooperative) {
                const KafkaError failed(rd_kafka_incremental_assign(handle, list));
                if (failed)
                    qCWarning(lcServing) << "predictor:" << rd_kafka_error_string(failed.get());
                consumer->assigned += list->cnt;
            } else {
                rd_kafka_assign(handle, list);
                consumer->assigned = list->cnt;
            }
            return;
        }
        if (error == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && cooperative) {
            const KafkaError failed(rd_kafka_incremental_unassign(handle, list));
            if (failed)
                qCWarning(lcServing) << "predictor:" << rd_kafka_error_string(failed.get());
            consumer->assigned = std::max(0, consumer->assigned - list->cnt);
            return;
        }
        rd_kafka_assign(handle, nullptr);
        consumer->assigned = 0;
        if (error != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            qCWarning(lcServing) << "predictor: rebalance failed:" << rd_kafka_err2str(error);
    }
};

// One request read in this pass, decoded or not.
struct KafkaPredictor::Pending
{
    RequestOrigin origin;
    Result<PredictionRequest> request = fail(QString());
    std::shared_ptr<const ServedModel> model;
    std::int64_t classIndex = -1;
};

KafkaPredictor::KafkaPredictor(std::shared_ptr<const ModelRouter> router, PredictorConfig config,
                               RetrainRequester requestRetrain)
    : m_router(std::move(router)), m_config(std::move(config)),
      m_requestRetrain(std::move(requestRetrain)), m_decoder(m_config.layout)
{
}

KafkaPredictor::~KafkaPredictor() = default;

PredictorCounters PredictorStats::read() const
{
    PredictorCounters counters;
    counters.consumed = consumed.load(std::memory_order_relaxed);
    counters.predicted = predicted.load(std::memory_order_relaxed);
    counters.malformed = malformed.load(std::memory_order_relaxed);
    counters.failed = failed.load(std::memory_order_relaxed);
    counters.labelled = labelled.load(std::memory_order_relaxed);
    counters.labelledSinceRetrain = labelledSinceRetrain.load(std::memory_order_relaxed);
    counters.retrainsRequested = retrainsRequested.load(std::memory_order_relaxed);
    counters.lastVersion = lastVersion.load(std::memory_order_relaxed);
    return counters;
}

QByteArray PredictorStats::prometheusText() const
{
    const PredictorCounters now = read();
    QByteArray text;
    const auto metric = [&text](const char *name, const char *type, const char *help,
                                qint64 value) {
        text += QByteArray("# HELP millrace_predictor_") + name + ' ' + help + '\n';
        text += QByteArray("# TYPE millrace_predictor_") + name + ' ' + type + '\n';
        text += QByteArray("millrace_predictor_") + name + ' ' + QByteArray::number(value) + '\n';
    };
    metric("consumed_total", "counter", "Request messages the Kafka predictor read.", now.consumed);
    metric("predictions_total", "counter", "Predictions the Kafka predictor published.",
           now.predicted);
    metric("malformed_total", "counter", "Request messages skipped as unreadable.", now.malformed);
    metric("failed_total", "counter",
           "Readable requests not answered (the model could not score them, or the prediction "
           "was not delivered).",
           now.failed);
    metric("labelled_total", "counter", "Requests that carried a label.", now.labelled);
    metric("labelled_since_retrain", "gauge",
           "Labelled requests since the last retrain was asked for.", now.labelledSinceRetrain);
    metric("retrains_requested_total", "counter", "Retrains the Kafka predictor asked for.",
           now.retrainsRequested);
    metric("last_version", "gauge", "The model version that answered the latest request.",
           now.lastVersion);
    return text;
}

void KafkaPredictor::start()
{
    if (m_config.requestTopic.isEmpty() || m_config.predictionsTopic.isEmpty()) {
        Q_EMIT failed(QStringLiteral("the predictor needs a request topic and a predictions "
                                     "topic"));
        return;
    }
    if (m_config.requestTopic == m_config.predictionsTopic) {
        Q_EMIT failed(QStringLiteral("the predictor cannot answer on its own request topic "
                                     "\"%1\"")
                          .arg(m_config.requestTopic));
        return;
    }
    // Predictions to a topic that does not exist would be lost (brokers often do not create
    // topics on first use): say so now, once, rather than fail every delivery.
    if (auto client = ClusterClient::create(m_config.endpoint); client) {
        if (auto topic = (*client)->describeTopic(m_config.predictionsTopic, kCheckTimeout);
            !topic) {
            Q_EMIT failed(topic.error().code == QLatin1String(errorcode::kNotFound)
                              ? QStringLiteral("the predictions topic \"%1\" does not exist on "
                                               "%2: create it first")
                                    .arg(m_config.predictionsTopic, m_config.endpoint.label)
                              : QStringLiteral("cannot check the predictions topic \"%1\": %2")
                                    .arg(m_config.predictionsTopic, topic.errorMessage()));
            return;
        }
    }
    ProducerOptions producerOptions;
    producerOptions.lingerMs = 1; // a prediction is wanted now; batches form under load anyway
    auto producer = MessageProducer::create(m_config.endpoint, producerOptions);
    if (!producer) {
        Q_EMIT failed(QStringLiteral("cannot make the predictions producer: %1")
                          .arg(producer.errorMessage()));
        return;
    }
    m_producer = std::move(producer).value();

    // Offsets are committed by hand once the predictions are delivered (at least once). A new
    // group starts at the end: a request topic's history is not a queue of questions.
    ClientProperties properties{
        {"group.id", m_config.groupId.toStdString()},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "latest"},
        {"fetch.wait.max.ms", "50"},
        {"session.timeout.ms", "10000"},
        {"log_level", "3"},
    };
    if (m_config.endpoint.isEmbedded()) {
        // As the drain does: the embedded broker holds a rejoining group for the last
        // member's session, so keep it short there.
        properties.emplace_back("session.timeout.ms", "4000");
        properties.emplace_back("heartbeat.interval.ms", "500");
    }
    Result<KafkaConf> conf = makeConf(m_config.endpoint.with(properties));
    if (!conf) {
        Q_EMIT failed(conf.errorMessage());
        return;
    }
    m_consumer = std::make_unique<Consumer>();
    rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::onRebalance);
    rd_kafka_conf_set_opaque(conf->get(), m_consumer.get());
    Result<KafkaHandle> client = makeClient(RD_KAFKA_CONSUMER, std::move(conf.value()));
    if (!client) {
        m_consumer.reset();
        Q_EMIT failed(client.errorMessage());
        return;
    }
    m_consumer->handle = std::move(client).value();
    rd_kafka_poll_set_consumer(m_consumer->handle.get());
    const QByteArray topic = m_config.requestTopic.toUtf8();
    const PartitionList topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic.constData(), RD_KAFKA_PARTITION_UA);
    if (const rd_kafka_resp_err_t error =
            rd_kafka_subscribe(m_consumer->handle.get(), topics.get());
        error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Q_EMIT failed(
            kafkaError(QStringLiteral("subscribing to '%1'").arg(m_config.requestTopic), error)
                .message);
        return;
    }
    qCInfo(lcServing).noquote() << "predictor: answering" << m_config.requestTopic << "on"
                                << m_config.predictionsTopic << "as group" << m_config.groupId
                                << "on" << m_config.endpoint.label
                                << (m_config.retrainEvery > 0
                                        ? QStringLiteral("; %1 every %2 labelled requests")
                                              .arg(m_config.retrainDag)
                                              .arg(m_config.retrainEvery)
                                        : QStringLiteral("; no retrains"));
    m_pumpTimer = new QTimer(this);
    m_pumpTimer->setInterval(0);
    connect(m_pumpTimer, &QTimer::timeout, this, &KafkaPredictor::pump);
    m_pumpTimer->start();
}

void KafkaPredictor::stop()
{
    if (m_pumpTimer)
        m_pumpTimer->stop();
    if (m_producer) {
        if (auto flushed = m_producer->flush(std::chrono::milliseconds(500)); !flushed)
            qCWarning(lcServing).noquote()
                << "predictor: predictions not delivered at shutdown:" << flushed.errorMessage();
        commitDelivered();
    }
    if (m_consumer && m_consumer->handle) {
        if (const rd_kafka_resp_err_t error = rd_kafka_consumer_close(m_consumer->handle.get());
            error != RD_KAFKA_RESP_ERR_NO_ERROR)
            qCWarning(lcServing) << "predictor: closing the consumer:" << rd_kafka_err2str(error);
        m_consumer->handle.reset();
    }
    m_producer.reset();
    qCInfo(lcServing).noquote() << "predictor stopped after" << m_stats->predicted.load()
                                << "predictions";
}

void KafkaPredictor::pump()
{
    rd_kafka_t *consumer = m_consumer->handle.get();
    m_producer->poll(); // delivery reports
    if (!m_uncommitted.empty()) {
        if (m_producer->pending() > 0 && nowMs() - m_uncommittedSinceMs > kMaxCommitDelayMs)
            (void)m_producer->flush(kFlushTimeout);
        commitDelivered();
    }
    // Nothing is read before a model is in service, so no request waits in this process for
    // one; the first deployment ends the wait, and swaps after it never start one.
    if (!m_router->deployment()) {
        if (!m_waitingLogged)
            qCInfo(lcServing) << "predictor: waiting for a model version in service";
        m_waitingLogged = true;
        m_pumpTimer->setInterval(100);
        return;
    }
    m_pumpTimer->setInterval(0);

    std::vector<Pending> batch;
    const int maxBatch = std::max(1, m_config.maxBatch);
    for (int i = 0; i < maxBatch; ++i) {
        const KafkaMessage message(rd_kafka_consumer_poll(consumer, i == 0 ? kPollMs : 0));
        if (!message)
            break;
        if (message->err) {
            if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                continue;
            const QString kind = QStringLiteral("kafka-%1").arg(int(message->err));
            if (m_kindsLogged.insert(kind).second)
                qCWarning(lcServing).noquote()
                    << "predictor: reading" << m_config.requestTopic
                    << "failed:" << QString::fromUtf8(rd_kafka_message_errstr(message.get()))
                    << "(retrying; this is logged once)";
            continue;
        }
        Pending pending;
        pending.origin.topic = m_config.requestTopic;
        pending.origin.partition = message->partition;
        pending.origin.offset = message->offset;
        if (message->key)
            pending.origin.key =
                QByteArray(static_cast<const char *>(message->key), qsizetype(message->key_len));
        rd_kafka_timestamp_type_t type;
        pending.origin.timestampMs = rd_kafka_message_timestamp(message.get(), &type);
        const QByteArray payload = QByteArray::fromRawData(
            static_cast<const char *>(message->payload), qsizetype(message->len));
        pending.request = m_decoder.decode(payload);
        if (m_uncommitted.empty())
            m_uncommittedSinceMs = nowMs();
        if (auto range = m_uncommitted.find(message->partition); range != m_uncommitted.end())
            range->second.second = std::max(range->second.second, message->offset + 1);
        else
            m_uncommitted.emplace(message->partition,
                                  std::pair(message->offset, message->offset + 1));
        batch.push_back(std::move(pending));
    }
    if (m_consumer->assigned != m_assignedReported) {
        m_assignedReported = m_consumer->assigned;
        qCInfo(lcServing).noquote() << "predictor: reading" << m_assignedReported
                                    << "partition(s) of" << m_config.requestTopic;
        Q_EMIT assigned(m_assignedReported);
    }
    if (!batch.empty())
        answer(batch);
}

void KafkaPredictor::answer(std::vector<Pending> &batch)
{
    m_stats->consumed.fetch_add(qint64(batch.size()), std::memory_order_relaxed);
    // Each request picks its version once (an A/B split decides per request); requests of
    // one version share a forward pass.
    std::map<const ServedModel *, std::vector<Pending *>> byModel;
    for (Pending &pending : batch) {
        if (!pending.request) {
            reportMalformed(pending.request.error().code, pending.request.errorMessage(),
                            pending.origin);
            continue;
        }
        pending.model = m_router->choose();
        const qint64 expected = pending.model->inputSpec().sampleSize();
        if (pending.model->inputSpec().kind != InputSpec::Kind::Tensor
            || expected != qint64(pending.request->features.size())) {
            reportMalformed(QStringLiteral("shape"),
                            QStringLiteral("the request has %1 feature values; version %2 of %3 "
                                           "takes %4")
                                .arg(pending.request->features.size())
                                .arg(pending.model->version())
                                .arg(pending.model->name())
                                .arg(expected),
                            pending.origin);
            pending.request = fail(QStringLiteral("shape"), QString());
            continue;
        }
        byModel[pending.model.get()].push_back(&pending);
    }
    for (auto &[model, requests] : byModel) {
        ScoringBatch scoring;
        scoring.rows = qint64(requests.size());
        scoring.values.reserve(requests.size() * requests.front()->request->features.size());
        for (const Pending *pending : requests)
            scoring.values.insert(scoring.values.end(), pending->request->features.begin(),
                                  pending->request->features.end());
        Result<std::vector<float>> outputs = model->predict(scoring);
        const qint64 width = model->outputWidth();
        if (!outputs || width <= 0 || qint64(outputs->size()) != width * scoring.rows) {
            m_stats->failed.fetch_add(qint64(requests.size()), std::memory_order_relaxed);
            const QString kind = QStringLiteral("predict");
            if (m_kindsLogged.insert(kind).second)
                qCWarning(lcServing).noquote()
                    << "predictor: version" << model->version() << "of" << model->name()
                    << "could not score requests:" << outputs.errorMessage() << "(logged once)";
            continue;
        }
        for (qint64 row = 0; row < scoring.rows; ++row) {
            const float *scores = outputs->data() + row * width;
            requests[std::size_t(row)]->classIndex =
                std::max_element(scores, scores + width) - scores;
        }
    }
    // Published in the order read, so each partition's predictions keep its order.
    for (Pending &pending : batch) {
        if (!pending.request)
            continue;
        if (pending.request->label) {
            m_stats->labelled.fetch_add(1, std::memory_order_relaxed);
            countLabelled(1);
        }
        if (pending.classIndex < 0)
            continue;
        PredictionOutcome outcome;
        outcome.classIndex = pending.classIndex;
        const auto &names = pending.model->classNames();
        if (pending.classIndex < std::int64_t(names.size()))
            outcome.className = QString::fromStdString(names[std::size_t(pending.classIndex)]);
        outcome.model = pending.model->name();
        outcome.version = pending.model->version();
        outcome.predictedAtMs = nowMs();
        OutgoingMessage message;
        message.key = pending.origin.key;
        message.value = predictionRecord(pending.origin, *pending.request, outcome);
        if (Result<void> sent = m_producer->send(m_config.predictionsTopic, message); !sent) {
            m_stats->failed.fetch_add(1, std::memory_order_relaxed);
            if (m_kindsLogged.insert(QStringLiteral("send")).second)
                qCWarning(lcServing).noquote()
                    << "predictor: cannot publish to" << m_config.predictionsTopic << ":"
                    << sent.errorMessage() << "(logged once)";
            continue;
        }
        m_stats->predicted.fetch_add(1, std::memory_order_relaxed);
        m_stats->lastVersion.store(outcome.version, std::memory_order_relaxed);
    }
    // Not waiting for the deliveries: the next requests are answered meanwhile, and the
    // offsets are committed at a later pass, once nothing is in flight.
    m_producer->poll();
    commitDelivered();
}

void KafkaPredictor::commitDelivered()
{
    if (m_uncommitted.empty() || m_producer->pending() > 0)
        return;
    rd_kafka_t *consumer = m_consumer ? m_consumer->handle.get() : nullptr;
    if (!consumer)
        return;
    const QByteArray topic = m_config.requestTopic.toUtf8();
    const PartitionList offsets(rd_kafka_topic_partition_list_new(int(m_uncommitted.size())));
    const std::int64_t failedNow = m_producer->summary().failed;
    const bool lost = failedNow > m_failedDeliveries;
    for (const auto &[partition, range] : m_uncommitted)
        rd_kafka_topic_partition_list_add(offsets.get(), topic.constData(), partition)->offset =
            lost ? range.first : range.second;
    m_uncommitted.clear();
    if (lost) {
        // Some predictions were not delivered: read their requests again rather than commit
        // past them (the ones that were delivered are then published twice: at least once).
        m_stats->failed.fetch_add(failedNow - m_failedDeliveries, std::memory_order_relaxed);
        m_failedDeliveries = failedNow;
        qCWarning(lcServing).noquote() << "predictor: predictions to" << m_config.predictionsTopic
                                       << "were not delivered:" << m_producer->summary().firstError
                                       << "; answering their requests again";
        const KafkaError error(rd_kafka_seek_partitions(consumer, offsets.get(), 2000));
        if (error)
            qCWarning(lcServing) << "predictor: seeking back failed:"
                                 << rd_kafka_error_string(error.get());
        return;
    }
    // Asynchronous: the loop does not wait for the broker; a commit that fails leaves the
    // previous one, and those requests are answered again after a restart.
    if (const rd_kafka_resp_err_t error = rd_kafka_commit(consumer, offsets.get(), 1);
        error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET)
        qCWarning(lcServing) << "predictor: committing offsets:" << rd_kafka_err2str(error);
}

void KafkaPredictor::reportMalformed(const QString &kind, const QString &message,
                                     const RequestOrigin &origin)
{
    m_stats->malformed.fetch_add(1, std::memory_order_relaxed);
    if (!m_kindsLogged.insert(QStringLiteral("malformed-") + kind).second)
        return;
    qCWarning(lcServing).noquote()
        << QStringLiteral("predictor: skipped the request at %1[%2]@%3: %4 (requests with this "
                          "problem are counted and skipped; this is logged once)")
               .arg(origin.topic)
               .arg(origin.partition)
               .arg(origin.offset)
               .arg(message);
    Q_EMIT malformedSeen(kind, message);
}

void KafkaPredictor::countLabelled(qint64 labelled)
{
    if (m_config.retrainEvery <= 0)
        return;
    const qint64 since = m_stats->labelledSinceRetrain.fetch_add(labelled) + labelled;
    if (since < m_config.retrainEvery)
        return;
    m_stats->labelledSinceRetrain.fetch_sub(m_config.retrainEvery);
    const qint64 count = m_stats->retrainsRequested.fetch_add(1) + 1;
    qCInfo(lcServing).noquote() << "predictor:" << m_config.retrainEvery
                                << "labelled requests since the last retrain; asking for a run of"
                                << m_config.retrainDag;
    if (m_requestRetrain)
        m_requestRetrain(
            m_config.retrainDag,
            QJsonObject{{QStringLiteral("requested_by"), QStringLiteral("kafka predictor")},
                        {QStringLiteral("labelled_requests"), m_config.retrainEvery},
                        {QStringLiteral("request_topic"), m_config.requestTopic}});
    Q_EMIT retrainRequested(m_config.retrainDag, count);
}

} // namespace millrace::serving

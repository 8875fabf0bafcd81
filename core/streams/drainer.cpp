#include "core/streams/drainer.h"

#include "core/streams/jsonsamplereader.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/producer.h"
#include "core/streams/streamslog.h"
#include "plugins/api/messagecodec.h"

#include <QElapsedTimer>
#include <QJsonObject>

#include <array>
#include <cstring>
#include <optional>

namespace millrace::streams {

namespace {

// Messages taken from librdkafka per call: enough to amortise the queue lock, few enough that
// a cancellation or the message limit is noticed within a few milliseconds.
constexpr std::size_t kConsumeBatch = 1000;
// How long the drain waits for a message when nothing is ready; bounds how late a cancellation
// is seen while the topic is quiet.
constexpr int kConsumeWaitMs = 100;
// The most fetched payload librdkafka queues ahead of the drain (queued.max.messages.kbytes).
// librdkafka 2.0 stops fetching once its queue passes this or queued.min.messages (100,000
// messages), and looks again only when its broker thread next wakes, up to a second later, not
// when the queue drains. A drain reads slower than the broker sends (it parses, hashes and
// writes every message), so with the default 64 MB it filled the queue within half a second
// and then idled until the next wake-up: half the time of a 300,000-message Fashion-MNIST drain
// on a real broker (bench_streams.sh). With 256 MB the 100,000 queued messages last about as
// long as the pause. It is memory held only while the drain reads slower than the broker sends.
constexpr const char *kPrefetchKBytes = "262144";
// Bound of the metadata and offset requests a drain makes itself.
constexpr int kRequestTimeoutMs = 10000;

const QByteArray kReasonHeader = QByteArrayLiteral("millrace.deadletter.reason");
const QByteArray kSourceTopicHeader = QByteArrayLiteral("millrace.source.topic");
const QByteArray kSourcePartitionHeader = QByteArrayLiteral("millrace.source.partition");
const QByteArray kSourceOffsetHeader = QByteArrayLiteral("millrace.source.offset");

struct PartitionState
{
    bool assigned = false;
    /// The watermarks seen when the drain started (or, for a partition unknown then, when it
    /// was assigned): "caught up" means reaching that high watermark.
    bool watermarksKnown = false;
    std::int64_t lowWatermark = -1;
    std::int64_t highWatermark = -1;
    /// The offset after the last message read; -1 before the first.
    std::int64_t next = -1;
    /// The end of the partition was reached at least once during this drain.
    bool reachedEnd = false;
    /// The highest offset already in a batch of this group; -1 when none.
    std::int64_t inBatches = -1;

    bool caughtUp() const { return reachedEnd || (watermarksKnown && next >= highWatermark); }
};

// Everything a drain tracks, reached from librdkafka's callbacks through the opaque pointer.
// The callbacks run inside our own consume and close calls, on the draining thread, so no lock
// is needed.
struct DrainState
{
    std::vector<PartitionState> partitions;
    std::vector<std::int32_t> needWatermarks;
    bool everAssigned = false;
    bool activity = false;
    /// Set while a commit waits for a rebalance; `settled` once partitions are assigned again.
    bool rebalancing = false;
    bool settled = false;
    std::vector<std::pair<rd_kafka_resp_err_t, QString>> errors;
    bool fatal = false;

    PartitionState &partition(std::int32_t id)
    {
        if (std::size_t(id) >= partitions.size())
            partitions.resize(std::size_t(id) + 1);
        return partitions[std::size_t(id)];
    }

    static void onRebalance(rd_kafka_t *handle, rd_kafka_resp_err_t error,
                            rd_kafka_topic_partition_list_t *list, void *opaque)
    {
        auto *state = static_cast<DrainState *>(opaque);
        const bool cooperative =
            std::strcmp(rd_kafka_rebalance_protocol(handle), "COOPERATIVE") == 0;
        state->activity = true;
        if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            for (int i = 0; i < list->cnt; ++i) {
                PartitionState &partition = state->partition(list->elems[i].partition);
                partition.assigned = true;
                // A partition this drain read before losing it starts after what it read, not
                // at the group's last commit, which would only bring those messages again.
                if (partition.next >= 0)
                    list->elems[i].offset = partition.next;
                if (!partition.watermarksKnown)
                    state->needWatermarks.push_back(list->elems[i].partition);
            }
            if (cooperative) {
                const KafkaError failed(rd_kafka_incremental_assign(handle, list));
                if (failed)
                    qCWarning(lcStreams) << "drain:" << rd_kafka_error_string(failed.get());
            } else {
                rd_kafka_assign(handle, list);
            }
            state->everAssigned = true;
            state->settled = true;
            qCDebug(lcStreams) << "drain: assigned" << list->cnt << "partitions";
            return;
        }
        // Revoked (another member joined) or a failed rebalance: stop reading those
        // partitions. What was read from them stays in the batch; the next owner skips it if
        // it drains into this workspace, and reads it again (at least once) otherwise.
        if (error == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && cooperative) {
            const KafkaError failed(rd_kafka_incremental_unassign(handle, list));
            if (failed)
                qCWarning(lcStreams) << "drain:" << rd_kafka_error_string(failed.get());
        } else {
            rd_kafka_assign(handle, nullptr);
        }
        for (int i = 0; i < list->cnt; ++i)
            state->partition(list->elems[i].partition).assigned = false;
        if (error != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            qCWarning(lcStreams) << "drain: rebalance failed:" << rd_kafka_err2str(error);
        else
            qCDebug(lcStreams) << "drain: revoked" << list->cnt << "partitions";
    }

    static void onError(rd_kafka_t *, int code, const char *reason, void *opaque)
    {
        auto *state = static_cast<DrainState *>(opaque);
        if (code == RD_KAFKA_RESP_ERR__FATAL)
            state->fatal = true;
        if (state->errors.size() >= 16)
            state->errors.erase(state->errors.begin());
        state->errors.emplace_back(static_cast<rd_kafka_resp_err_t>(code),
                                   QString::fromUtf8(reason));
    }

    int assignedCount() const
    {
        return int(std::count_if(partitions.begin(), partitions.end(),
                                 [](const PartitionState &p) { return p.assigned; }));
    }
    int caughtUpCount() const
    {
        return int(std::count_if(partitions.begin(), partitions.end(), [](const PartitionState &p) {
            return p.assigned && p.caughtUp();
        }));
    }
    bool allCaughtUp() const
    {
        const int assigned = assignedCount();
        return assigned > 0 && needWatermarks.empty() && caughtUpCount() == assigned;
    }
    std::int64_t remaining() const
    {
        std::int64_t total = 0;
        bool known = false;
        for (const PartitionState &p : partitions) {
            if (!p.assigned || !p.watermarksKnown)
                continue;
            known = true;
            if (p.caughtUp())
                continue;
            const std::int64_t from =
                p.next >= 0 ? p.next : std::max<std::int64_t>(p.lowWatermark, 0);
            total += std::max<std::int64_t>(0, p.highWatermark - from);
        }
        return known ? total : -1;
    }
};

// Closes the consumer (leaving the group at once, so the next drain need not wait for the
// session to time out) however the drain ends.
struct ConsumerCloser
{
    rd_kafka_t *handle;
    ~ConsumerCloser()
    {
        if (const rd_kafka_resp_err_t error = rd_kafka_consumer_close(handle);
            error != RD_KAFKA_RESP_ERR_NO_ERROR)
            qCWarning(lcStreams) << "drain: closing the consumer:" << rd_kafka_err2str(error);
    }
};

// The watermarks of every partition of `topic`, asked before the consumer starts fetching: "caught
// up" means reaching the high watermarks seen at the start, and the question is cheapest now,
// with two requests for all partitions and no long-polling fetch ahead of it on the
// connection. Also where a missing topic shows, at once rather than after the idle timeout.
Result<void> readStartWatermarks(rd_kafka_t *consumer, const QByteArray &topic, DrainState &state)
{
    // All topics, not this one by name: asking for a missing topic by name makes some brokers
    // (the embedded one among them) create it.
    const rd_kafka_metadata_t *raw = nullptr;
    if (const rd_kafka_resp_err_t error =
            rd_kafka_metadata(consumer, 1, nullptr, &raw, kRequestTimeoutMs);
        error != RD_KAFKA_RESP_ERR_NO_ERROR)
        return kafkaError(
            QStringLiteral("reading the partitions of '%1'").arg(QString::fromUtf8(topic)), error);
    const KafkaMetadata metadata(raw);
    const rd_kafka_metadata_topic_t *found = nullptr;
    for (int i = 0; i < raw->topic_cnt; ++i) {
        if (topic == raw->topics[i].topic)
            found = &raw->topics[i];
    }
    if (!found || found->partition_cnt == 0)
        return fail(QString::fromLatin1(errorcode::kNotFound),
                    QStringLiteral("there is no topic '%1'").arg(QString::fromUtf8(topic)));
    for (const std::int64_t which :
         {std::int64_t(RD_KAFKA_OFFSET_BEGINNING), std::int64_t(RD_KAFKA_OFFSET_END)}) {
        // ListOffsets with the special timestamps -2 and -1 answers the low and high
        // watermarks, for all partitions in one request per leader.
        const PartitionList offsets(rd_kafka_topic_partition_list_new(found->partition_cnt));
        for (int i = 0; i < found->partition_cnt; ++i)
            rd_kafka_topic_partition_list_add(offsets.get(), topic.constData(),
                                              found->partitions[i].id)
                ->offset = which;
        if (const rd_kafka_resp_err_t error =
                rd_kafka_offsets_for_times(consumer, offsets.get(), kRequestTimeoutMs);
            error != RD_KAFKA_RESP_ERR_NO_ERROR)
            return kafkaError(
                QStringLiteral("reading the offsets of '%1'").arg(QString::fromUtf8(topic)), error);
        for (int i = 0; i < offsets->cnt; ++i) {
            const rd_kafka_topic_partition_t &element = offsets->elems[i];
            PartitionState &partition = state.partition(element.partition);
            if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR || element.offset < 0)
                continue; // asked again if it is assigned
            if (which == RD_KAFKA_OFFSET_END) {
                partition.highWatermark = element.offset;
                partition.watermarksKnown = partition.lowWatermark >= 0;
            } else {
                partition.lowWatermark = element.offset;
            }
        }
    }
    return {};
}

// Commits, for every partition this drain read and still owns, the offset after the last
// message read. A partition lost in a rebalance is left to its new owner, who reads it again
// from the group's last commit (at least once). A commit that meets a rebalance in progress is
// retried once the rebalance is through; what arrives meanwhile is dropped unread, and not
// committed.
Result<void> commitOffsets(rd_kafka_t *consumer, rd_kafka_queue_t *queue, const QByteArray &topic,
                           DrainState &state, DrainReport &report)
{
    for (int attempt = 0;; ++attempt) {
        const PartitionList offsets(rd_kafka_topic_partition_list_new(
            int(std::max<std::size_t>(1, state.partitions.size()))));
        report.committedOffsets.clear();
        for (std::size_t id = 0; id < state.partitions.size(); ++id) {
            const PartitionState &partition = state.partitions[id];
            if (partition.next < 0 || !partition.assigned)
                continue;
            rd_kafka_topic_partition_list_add(offsets.get(), topic.constData(), std::int32_t(id))
                ->offset = partition.next;
            report.committedOffsets[std::int32_t(id)] = partition.next;
        }
        if (offsets->cnt == 0 && !state.rebalancing)
            return {};
        rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS;
        if (!state.rebalancing)
            error = rd_kafka_commit(consumer, offsets.get(), 0);
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        const bool rebalance = error == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS
                               || error == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION;
        if (!rebalance || attempt == 3) {
            report.committedOffsets.clear();
            return kafkaError(QStringLiteral("committing the offsets"), error);
        }
        // Serve the queue until the group has settled (the callback assigns again).
        QElapsedTimer waited;
        waited.start();
        std::array<rd_kafka_message_t *, 100> dropped{};
        state.rebalancing = true;
        while (waited.elapsed() < 5000) {
            const ssize_t count =
                rd_kafka_consume_batch_queue(queue, 100, dropped.data(), dropped.size());
            for (ssize_t i = 0; i < count; ++i)
                rd_kafka_message_destroy(dropped[std::size_t(i)]);
            if (state.settled)
                break;
        }
        state.settled = false;
        state.rebalancing = false;
    }
    for (std::size_t id = 0; id < state.partitions.size(); ++id) {
        const PartitionState &partition = state.partitions[id];
        if (partition.next >= 0 && !partition.assigned) {
            const QString warning =
                QStringLiteral("partition %1 was taken by another member of the group before "
                               "the commit: it will read offsets up to %2 again")
                    .arg(id)
                    .arg(partition.next - 1);
            qCWarning(lcStreams).noquote() << "drain:" << warning;
            report.warnings.append(warning);
        }
    }
    return {};
}

Error requestError(const QString &message)
{
    return fail(QString::fromLatin1(errorcode::kInvalidArgument), message);
}

Result<void> checkRequest(const DrainRequest &request)
{
    if (!request.codec)
        return requestError(QStringLiteral("a drain needs a message codec"));
    if (request.topic.isEmpty())
        return requestError(QStringLiteral("a drain needs a topic"));
    if (request.groupId.isEmpty())
        return requestError(QStringLiteral("a drain needs a consumer group"));
    if (request.maxMessages < 0)
        return requestError(QStringLiteral("the message limit cannot be negative"));
    if (request.deadLetterTopic == request.topic)
        return requestError(QStringLiteral("the dead-letter topic must differ from the topic"));
    if (Result<void> valid = request.layout.validate(); !valid)
        return requestError(valid.errorMessage());
    return {};
}

} // namespace

Result<DrainReport> drainToBatch(const DrainRequest &request, BatchStore &store,
                                 const CancellationToken &cancellation,
                                 const std::function<void(const DrainProgress &)> &progress)
{
    QElapsedTimer total;
    total.start();
    if (Result<void> valid = checkRequest(request); !valid)
        return valid.error();

    // The store's write lock first: a second drain into this workspace fails here, before it
    // joins the group, and the offsets read next cannot change under us.
    const BatchSource source{request.endpoint.label, request.endpoint.bootstrapServers(),
                             request.topic, request.groupId, request.codec->contentType()};
    Result<std::unique_ptr<BatchWriter>> begun = store.beginBatch(source, request.layout);
    if (!begun)
        return begun.error();
    std::unique_ptr<BatchWriter> writer = std::move(begun.value());
    Result<std::map<std::int32_t, std::int64_t>> inBatches =
        store.committedOffsets(request.groupId, request.topic);
    if (!inBatches)
        return inBatches.error();

    DrainState state;
    for (const auto &[partition, offset] : *inBatches)
        state.partition(partition).inBatches = offset;

    // Offsets are committed by hand, and only after the batch is on disk: automatic commits
    // (or automatic offset stores) would let a crash skip messages no batch holds. A short
    // fetch wait lets the end of each partition show soon once it is reached.
    ClientProperties properties{
        {"group.id", request.groupId.toStdString()},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "true"},
        {"fetch.wait.max.ms", "100"},
        {"queued.max.messages.kbytes", kPrefetchKBytes},
        {"session.timeout.ms", "10000"},
        {"log_level", "3"},
    };
    // The embedded broker keeps a group waiting for its last member's session timeout (less a
    // second) before the next member's join completes, even after that member left cleanly. It
    // runs in this process, so a short session is safe there: 4 s, the shortest that outlasts
    // its 3 s initial join delay (a member with a shorter session expires while it joins).
    if (request.endpoint.isEmbedded()) {
        properties.emplace_back("session.timeout.ms", "4000");
        properties.emplace_back("heartbeat.interval.ms", "500");
    }
    Result<KafkaConf> conf = makeConf(request.endpoint.with(properties));
    if (!conf)
        return conf.error();
    rd_kafka_conf_set_rebalance_cb(conf->get(), &DrainState::onRebalance);
    rd_kafka_conf_set_error_cb(conf->get(), &DrainState::onError);
    rd_kafka_conf_set_opaque(conf->get(), &state);
    Result<KafkaHandle> client = makeClient(RD_KAFKA_CONSUMER, std::move(conf.value()));
    if (!client)
        return client.error();
    rd_kafka_t *consumer = client->get();
    // Errors and rebalances arrive on the consumer queue, which the loop below serves.
    rd_kafka_poll_set_consumer(consumer);
    const QByteArray topicUtf8 = request.topic.toUtf8();
    if (Result<void> marks = readStartWatermarks(consumer, topicUtf8, state); !marks)
        return marks.error();
    {
        const PartitionList topics(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(topics.get(), topicUtf8.constData(),
                                          RD_KAFKA_PARTITION_UA);
        if (const rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer, topics.get());
            error != RD_KAFKA_RESP_ERR_NO_ERROR)
            return kafkaError(QStringLiteral("subscribing to '%1'").arg(request.topic), error);
    }
    const ConsumerCloser closer{consumer};
    const KafkaQueue queue(rd_kafka_queue_get_consumer(consumer));

    std::unique_ptr<MessageProducer> deadLetterProducer;
    if (!request.deadLetterTopic.isEmpty()) {
        Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(request.endpoint);
        if (!producer)
            return producer.error();
        deadLetterProducer = std::move(producer.value());
    }

    DrainReport report;
    DrainProgress current;
    const bool classification = request.layout.task == ml::TaskKind::Classification;
    std::vector<float> features;
    features.reserve(request.layout.featureCount());
    // JSON topics skip the codec's QJsonObject for every payload the fast reader is sure of;
    // the rest (and every bad message) go through the codec and the layout as usual.
    std::optional<JsonSampleReader> fastReader;
    if (request.codec->contentType() == QLatin1String("application/json"))
        fastReader.emplace(request.layout);
    QJsonObject record;
    QString decodeError;

    QElapsedTimer sinceActivity;
    sinceActivity.start();
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    std::int64_t messagesAtProgress = 0;
    QElapsedTimer reading; // from the first message on
    qint64 lastMessageNs = 0;
    std::optional<DrainReport::Stop> stop;
    std::optional<Error> failure;

    const auto reportProgress = [&] {
        current.remaining = state.remaining();
        current.assignedPartitions = state.assignedCount();
        current.caughtUpPartitions = state.caughtUpCount();
        current.elapsed = std::chrono::milliseconds(total.elapsed());
        if (progress)
            progress(current);
        sinceProgress.restart();
        messagesAtProgress = current.messagesRead;
    };
    const auto maybeReportProgress = [&] {
        if (current.messagesRead - messagesAtProgress >= request.progressEveryMessages
            || sinceProgress.elapsed() >= request.progressInterval.count())
            reportProgress();
    };

    // A bad message: recorded in the batch (so its offset counts as consumed) and, when asked,
    // published to the dead-letter topic.
    const auto deadLetter = [&](const rd_kafka_message_t *message, const QString &reason) -> bool {
        rd_kafka_timestamp_type_t type;
        const std::int64_t timestamp = rd_kafka_message_timestamp(message, &type);
        const QByteArrayView payload(static_cast<const char *>(message->payload),
                                     qsizetype(message->len));
        Result<void> kept = writer->appendDeadLetter(
            DeadLetter{message->partition, message->offset, timestamp, reason, payload});
        if (!kept) {
            failure = kept.error();
            return false;
        }
        if (deadLetterProducer) {
            OutgoingMessage out;
            out.key =
                QByteArray(static_cast<const char *>(message->key), qsizetype(message->key_len));
            out.value = payload.toByteArray();
            out.timestampMs = timestamp > 0 ? timestamp : 0;
            out.headers = {{kReasonHeader, reason.toUtf8()},
                           {kSourceTopicHeader, topicUtf8},
                           {kSourcePartitionHeader, QByteArray::number(message->partition)},
                           {kSourceOffsetHeader, QByteArray::number(qint64(message->offset))}};
            if (Result<void> sent = deadLetterProducer->send(request.deadLetterTopic, out); !sent) {
                failure = sent.error();
                return false;
            }
        }
        ++current.deadLetters;
        return true;
    };

    // One message with data: skip it when a batch has it, else make it a sample or a dead
    // letter. False on a failure that ends the drain.
    const auto take = [&](const rd_kafka_message_t *message) -> bool {
        PartitionState &partition = state.partition(message->partition);
        if (partition.next < 0 && partition.inBatches >= 0
            && message->offset > partition.inBatches + 1) {
            // Not an error of this drain, but data the user never got: say so.
            const QString warning =
                QStringLiteral("partition %1: offsets %2 to %3 are in no batch; the broker no "
                               "longer had them (retention) or another consumer of group '%4' "
                               "took them")
                    .arg(message->partition)
                    .arg(partition.inBatches + 1)
                    .arg(message->offset - 1)
                    .arg(request.groupId);
            qCWarning(lcStreams).noquote() << "drain:" << warning;
            report.warnings.append(warning);
        }
        ++current.messagesRead;
        current.bytesRead += qint64(message->len);
        // Already in a batch, or already read by this drain (a partition lost and regained
        // in a rebalance may bring messages again).
        if (message->offset <= partition.inBatches || message->offset < partition.next) {
            ++current.duplicates;
            // Skipped, but consumed all the same: the commit must move the group past it.
            // Otherwise, after a crash between a batch and its commit, a drain that finds
            // nothing new commits nothing, and every later drain reads the whole batch again.
            partition.next = std::max(partition.next, message->offset + 1);
            return true;
        }
        partition.next = message->offset + 1;
        if (!message->payload) {
            return deadLetter(message, QStringLiteral("empty message (no payload)"));
        }
        if (fastReader) {
            features.resize(request.layout.featureCount());
            JsonSampleReader::Sample sample;
            if (fastReader->read(QByteArrayView(static_cast<const char *>(message->payload),
                                                qsizetype(message->len)),
                                 features, sample)) {
                const QUtf8StringView id(sample.id.data(), sample.id.size());
                Result<void> written =
                    classification ? writer->appendClassSample(message->partition, message->offset,
                                                               features, sample.classIndex, id)
                                   : writer->appendTargetSample(message->partition, message->offset,
                                                                features, sample.target, id);
                if (!written) {
                    failure = written.error();
                    return false;
                }
                ++current.samples;
                ++report.fastPathSamples;
                return true;
            }
        }
        // No copy: the codec reads librdkafka's buffer, which lives until the message is
        // destroyed after this call.
        const QByteArray payload = QByteArray::fromRawData(
            static_cast<const char *>(message->payload), qsizetype(message->len));
        if (!request.codec->decode(payload, record, decodeError))
            return deadLetter(message, decodeError);
        features.clear();
        std::int64_t classIndex = 0;
        float target = 0;
        Result<void> sample = classification ? request.layout.toSample(record, features, classIndex)
                                             : request.layout.toSample(record, features, target);
        if (!sample)
            return deadLetter(message, sample.errorMessage());
        Result<QString> id = request.layout.idOf(record);
        if (!id)
            return deadLetter(message, id.errorMessage());
        Result<void> written = classification
                                   ? writer->appendClassSample(message->partition, message->offset,
                                                               features, classIndex, *id)
                                   : writer->appendTargetSample(message->partition, message->offset,
                                                                features, target, *id);
        if (!written) {
            failure = written.error();
            return false;
        }
        ++current.samples;
        return true;
    };

    std::array<rd_kafka_message_t *, kConsumeBatch> messages{};
    while (!stop && !failure) {
        if (cancellation.isCancelled()) {
            stop = DrainReport::Stop::Cancelled;
            break;
        }
        // What is ready, without waiting; only when nothing is, wait for the first message. A
        // batch call that may wait waits until the batch is full, so the last few hundred
        // messages of every drain would cost the whole wait.
        ssize_t count =
            rd_kafka_consume_batch_queue(queue.get(), 0, messages.data(), messages.size());
        if (count == 0)
            count = rd_kafka_consume_batch_queue(queue.get(), kConsumeWaitMs, messages.data(), 1);
        if (count < 0) {
            failure = kafkaError(QStringLiteral("reading '%1'").arg(request.topic),
                                 rd_kafka_last_error());
            break;
        }
        // Partitions assigned during that call: their watermarks say where "caught up" is.
        // Asked here, not in the callback, which must not block.
        for (const std::int32_t id : std::exchange(state.needWatermarks, {})) {
            int64_t low = -1;
            int64_t high = -1;
            const rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
                consumer, topicUtf8.constData(), id, &low, &high, kRequestTimeoutMs);
            if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
                failure = kafkaError(QStringLiteral("reading the offsets of %1 partition %2")
                                         .arg(request.topic)
                                         .arg(id),
                                     error);
                break;
            }
            PartitionState &partition = state.partition(id);
            partition.watermarksKnown = true;
            partition.lowWatermark = low;
            partition.highWatermark = high;
        }
        for (ssize_t i = 0; i < count; ++i) {
            const KafkaMessage message(messages[std::size_t(i)]);
            if (stop || failure)
                continue; // read past the limit: destroyed unread, and not committed
            state.activity = true;
            if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                state.partition(message->partition).reachedEnd = true;
                continue;
            }
            if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                    || message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
                    failure = fail(QString::fromLatin1(errorcode::kNotFound),
                                   QStringLiteral("there is no topic '%1'").arg(request.topic));
                } else if (message->err == RD_KAFKA_RESP_ERR__FATAL || state.fatal) {
                    failure =
                        kafkaError(QStringLiteral("reading '%1'").arg(request.topic), message->err);
                } else {
                    // Transport trouble and the like: librdkafka retries on its own.
                    qCWarning(lcStreams).noquote()
                        << "drain:" << QString::fromUtf8(rd_kafka_message_errstr(message.get()));
                }
                continue;
            }
            if (current.messagesRead == 0)
                reading.start();
            if (!take(message.get()))
                continue; // `failure` is set: the rest are destroyed unread
            lastMessageNs = reading.nsecsElapsed();
            if (request.maxMessages > 0
                && current.samples + current.deadLetters >= request.maxMessages)
                stop = DrainReport::Stop::MaxMessages;
            // Inside the loop, so "every N messages" holds even when one call returns more;
            // a callback that cancels is then obeyed at the very next message.
            maybeReportProgress();
            if (!stop && cancellation.isCancelled())
                stop = DrainReport::Stop::Cancelled;
        }
        if (state.fatal && !failure)
            failure = fail(QStringLiteral("the Kafka consumer failed: %1")
                               .arg(state.errors.empty() ? QString() : state.errors.back().second));
        if (stop || failure)
            break;
        if (state.activity) {
            state.activity = false;
            sinceActivity.restart();
        }
        if (state.allCaughtUp()) {
            stop = DrainReport::Stop::CaughtUp;
        } else if (!state.everAssigned) {
            if (total.elapsed() >= request.joinTimeout.count()) {
                // Nothing was ever assigned: every partition held by other members of the
                // group, or a group that does not settle. Either way "nothing new" would be a
                // lie.
                QString why = QStringLiteral("no partition of '%1' was assigned to group '%2' "
                                             "within %3 ms")
                                  .arg(request.topic, request.groupId)
                                  .arg(request.joinTimeout.count());
                if (!state.errors.empty())
                    why += QStringLiteral(" (%1)").arg(state.errors.back().second);
                failure = fail(state.errors.empty() ? QString::fromLatin1(errorcode::kTimedOut)
                                                    : errorCodeFor(state.errors.back().first),
                               why);
            }
        } else if (sinceActivity.elapsed() >= request.idleTimeout.count()) {
            stop = DrainReport::Stop::Idle;
        }
        if (deadLetterProducer)
            deadLetterProducer->poll();
        maybeReportProgress();
    }
    if (failure)
        return *failure; // the writer's destructor removes the unfinished batch
    reportProgress();

    // Dead letters go out before anything is committed, so a failure here leaves every
    // message to be read (and sent) again: at least once for the dead-letter topic too.
    if (deadLetterProducer && deadLetterProducer->pending() + current.deadLetters > 0) {
        Result<ProduceSummary> sent = deadLetterProducer->flush(std::chrono::seconds(30));
        if (!sent)
            return fail(sent.error().code, QStringLiteral("sending dead letters to '%1': %2")
                                               .arg(request.deadLetterTopic, sent.errorMessage()));
        if (sent->failed > 0)
            return fail(QStringLiteral("%1 dead letters could not be sent to '%2': %3")
                            .arg(sent->failed)
                            .arg(request.deadLetterTopic, sent->firstError));
    }

    report.samples = current.samples;
    report.deadLetters = current.deadLetters;
    report.duplicates = current.duplicates;
    report.messagesRead = current.messagesRead;
    report.bytesRead = current.bytesRead;
    report.partitions = writer->partitions();
    report.stop = *stop;
    if (writer->messageCount() > 0) {
        Result<BatchManifest> written = writer->commit();
        if (!written)
            return written.error();
        report.batch = std::move(written.value());
        report.batchId = report.batch.id;
        if (request.beforeCommit)
            request.beforeCommit(report.batch);
    }

    // Only now, with the batch on disk, do the offsets move; duplicates count as read too, so
    // after a crash the group moves past what the batches already hold.
    if (!request.commitOffsets) {
        report.commitError = QStringLiteral("not committed (asked not to)");
    } else {
        Result<void> committed = commitOffsets(consumer, queue.get(), topicUtf8, state, report);
        report.offsetsCommitted = committed.hasValue();
        if (!committed) {
            report.commitError = committed.errorMessage();
            qCWarning(lcStreams).noquote()
                << "drain: the batch is written but committing the offsets failed ("
                << report.commitError << "); the next drain skips what the batch holds";
        }
    }

    report.elapsed = std::chrono::milliseconds(total.elapsed());
    // The rate of reading itself, from the first message to the last: joining the group and
    // waiting for the ends of the partitions would swamp it on small drains.
    report.messagesPerSecond =
        lastMessageNs > 0 ? double(report.messagesRead) * 1e9 / double(lastMessageNs) : 0.0;
    qCInfo(lcStreams).noquote() << QStringLiteral(
                                       "drained %1: %2 samples, %3 dead letters, %4 duplicates "
                                       "in %5 ms (%6 messages/s, %8 samples read directly)%7")
                                       .arg(request.topic)
                                       .arg(report.samples)
                                       .arg(report.deadLetters)
                                       .arg(report.duplicates)
                                       .arg(report.elapsed.count())
                                       .arg(qRound64(report.messagesPerSecond))
                                       .arg(report.batchId.isEmpty()
                                                ? QStringLiteral(", no batch")
                                                : QStringLiteral(" into batch ") + report.batchId)
                                       .arg(report.fastPathSamples);
    return report;
}

} // namespace millrace::streams

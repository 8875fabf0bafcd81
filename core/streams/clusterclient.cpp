#include "core/streams/clusterclient.h"

#include "core/streams/embeddedbroker.h"
#include "core/streams/streamslog.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QThread>

#include <array>
#include <mutex>

namespace millrace::streams {

// librdkafka reports connection trouble (refused, SASL rejected, TLS handshake) through the
// error callback, on its own threads, while the request that needed the connection only times
// out. Keeping the last few lets a failed call say why.
struct ClusterClient::ErrorLog
{
    std::mutex mutex;
    std::vector<std::pair<rd_kafka_resp_err_t, QString>> errors;

    static void onError(rd_kafka_t *, int code, const char *reason, void *opaque)
    {
        auto *log = static_cast<ErrorLog *>(opaque);
        const std::lock_guard lock(log->mutex);
        if (log->errors.size() >= 32)
            log->errors.erase(log->errors.begin());
        log->errors.emplace_back(static_cast<rd_kafka_resp_err_t>(code), QString::fromUtf8(reason));
    }
    std::vector<std::pair<rd_kafka_resp_err_t, QString>> take()
    {
        const std::lock_guard lock(mutex);
        return std::exchange(errors, {});
    }
};

namespace {

QString brokerError(rd_kafka_resp_err_t code)
{
    return QString::fromUtf8(rd_kafka_err2str(code));
}

// librdkafka reports a rejected login or a failed handshake as a transport failure at times;
// its reason still says which.
QString connectionErrorCode(const std::pair<rd_kafka_resp_err_t, QString> &error)
{
    if (error.second.contains(QLatin1String("SASL authentication error")))
        return QString::fromLatin1(errorcode::kAuthentication);
    if (error.second.contains(QLatin1String("SSL handshake failed")))
        return QString::fromLatin1(errorcode::kTls);
    return errorCodeFor(error.first);
}

// The most telling of the errors seen while a call failed: authentication and TLS say more than
// the "all brokers down" that follows them.
std::optional<std::pair<rd_kafka_resp_err_t, QString>>
mostTelling(const std::vector<std::pair<rd_kafka_resp_err_t, QString>> &errors)
{
    for (const QString &code :
         {QString::fromLatin1(errorcode::kAuthentication), QString::fromLatin1(errorcode::kTls)}) {
        for (const auto &error : errors) {
            if (connectionErrorCode(error) == code)
                return error;
        }
    }
    for (const auto &error : errors) {
        if (error.first != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            return error;
    }
    if (!errors.empty())
        return errors.back();
    return std::nullopt;
}

// The failure of `what` explained by the connection error `cause` from the error callback: its
// reason ("SASL authentication error: Invalid username or password") says more than the
// request's timeout.
Error causedBy(const QString &what, const std::pair<rd_kafka_resp_err_t, QString> &cause)
{
    // The reason starts with the broker's name ("sasl_plaintext://host:port/bootstrap: ...").
    static const QRegularExpression brokerPrefix(QStringLiteral(R"(^\S+://\S+: )"));
    QString reason = cause.second;
    reason.remove(brokerPrefix);
    return fail(connectionErrorCode(cause), QStringLiteral("%1 failed: %2").arg(what, reason));
}

} // namespace

std::int64_t PartitionInfo::messageCount() const
{
    return lowWatermark >= 0 && highWatermark >= lowWatermark ? highWatermark - lowWatermark : 0;
}

std::int64_t TopicInfo::messageCount() const
{
    std::int64_t count = 0;
    for (const PartitionInfo &partition : partitions)
        count += partition.messageCount();
    return count;
}

const TopicInfo *ClusterMetadata::topic(const QString &name) const
{
    for (const TopicInfo &topic : topics) {
        if (topic.name == name)
            return &topic;
    }
    return nullptr;
}

Result<std::unique_ptr<ClusterClient>> ClusterClient::create(const ClusterEndpoint &endpoint)
{
    Result<KafkaConf> conf = makeConf(endpoint.with({{"log_level", "3"}}));
    if (!conf)
        return conf.error();
    auto errors = std::make_unique<ErrorLog>();
    rd_kafka_conf_set_error_cb(conf->get(), &ErrorLog::onError);
    rd_kafka_conf_set_opaque(conf->get(), errors.get());
    Result<KafkaHandle> handle = makeClient(RD_KAFKA_PRODUCER, std::move(conf.value()));
    if (!handle)
        return handle.error();
    return std::unique_ptr<ClusterClient>(
        new ClusterClient(endpoint, std::move(handle.value()), std::move(errors)));
}

ClusterClient::ClusterClient(ClusterEndpoint endpoint, KafkaHandle handle,
                             std::unique_ptr<ErrorLog> errors)
    : m_endpoint(std::move(endpoint)), m_errors(std::move(errors)), m_handle(std::move(handle))
{
}

ClusterClient::~ClusterClient() = default;

ClusterCapabilities ClusterClient::capabilities() const
{
    if (m_endpoint.isEmbedded())
        return ClusterCapabilities{m_endpoint.embedded != nullptr, false, false};
    return {};
}

Result<ClusterMetadata> ClusterClient::metadata(bool withWatermarks,
                                                std::chrono::milliseconds timeout)
{
    const rd_kafka_metadata_t *raw = nullptr;
    rd_kafka_poll(m_handle.get(), 0);
    m_errors->take();
    const rd_kafka_resp_err_t result =
        rd_kafka_metadata(m_handle.get(), 1, nullptr, &raw, toTimeoutMs(timeout));
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // A timeout usually hides the reason the brokers could not be reached.
        // Error callbacks are served by rd_kafka_poll.
        rd_kafka_poll(m_handle.get(), 0);
        if (const auto cause = mostTelling(m_errors->take()))
            return causedBy(QStringLiteral("reading cluster metadata"), *cause);
        return kafkaError(QStringLiteral("reading cluster metadata"), result);
    }
    const KafkaMetadata owned(raw);
    ClusterMetadata metadata;
    metadata.originBroker = raw->orig_broker_id;
    for (int i = 0; i < raw->broker_cnt; ++i) {
        const rd_kafka_metadata_broker_t &broker = raw->brokers[i];
        metadata.brokers.push_back(
            BrokerInfo{broker.id, QString::fromUtf8(broker.host), broker.port});
    }
    for (int t = 0; t < raw->topic_cnt; ++t) {
        const rd_kafka_metadata_topic_t &source = raw->topics[t];
        TopicInfo topic;
        topic.name = QString::fromUtf8(source.topic);
        topic.internal = topic.name.startsWith(QLatin1String("__"));
        if (source.err != RD_KAFKA_RESP_ERR_NO_ERROR)
            topic.error = brokerError(source.err);
        for (int p = 0; p < source.partition_cnt; ++p) {
            const rd_kafka_metadata_partition_t &part = source.partitions[p];
            PartitionInfo partition;
            partition.id = part.id;
            partition.leader = part.leader;
            partition.replicas.assign(part.replicas, part.replicas + part.replica_cnt);
            partition.inSyncReplicas.assign(part.isrs, part.isrs + part.isr_cnt);
            if (part.err != RD_KAFKA_RESP_ERR_NO_ERROR)
                partition.error = brokerError(part.err);
            topic.partitions.push_back(std::move(partition));
        }
        std::sort(topic.partitions.begin(), topic.partitions.end(),
                  [](const PartitionInfo &a, const PartitionInfo &b) { return a.id < b.id; });
        metadata.topics.push_back(std::move(topic));
    }
    std::sort(metadata.topics.begin(), metadata.topics.end(),
              [](const TopicInfo &a, const TopicInfo &b) { return a.name < b.name; });
    if (withWatermarks) {
        for (TopicInfo &topic : metadata.topics) {
            for (PartitionInfo &partition : topic.partitions) {
                Result<std::pair<std::int64_t, std::int64_t>> marks =
                    watermarks(topic.name, partition.id, timeout);
                if (marks) {
                    partition.lowWatermark = marks->first;
                    partition.highWatermark = marks->second;
                } else if (partition.error.isEmpty()) {
                    partition.error = marks.errorMessage();
                }
            }
        }
    }
    return metadata;
}

Result<TopicInfo> ClusterClient::describeTopic(const QString &name,
                                               std::chrono::milliseconds timeout)
{
    // Asking for one topic by name would, on some brokers, create it: read all and pick.
    Result<ClusterMetadata> all = metadata(false, timeout);
    if (!all)
        return all.error();
    const TopicInfo *found = all->topic(name);
    if (!found || (found->partitions.empty() && !found->error.isEmpty())) {
        return fail(QString::fromLatin1(errorcode::kNotFound),
                    QStringLiteral("there is no topic '%1'").arg(name));
    }
    TopicInfo topic = *found;
    for (PartitionInfo &partition : topic.partitions) {
        Result<std::pair<std::int64_t, std::int64_t>> marks =
            watermarks(topic.name, partition.id, timeout);
        if (!marks)
            return marks.error();
        partition.lowWatermark = marks->first;
        partition.highWatermark = marks->second;
    }
    return topic;
}

Result<std::pair<std::int64_t, std::int64_t>>
ClusterClient::watermarks(const QString &topic, std::int32_t partition,
                          std::chrono::milliseconds timeout)
{
    int64_t low = -1;
    int64_t high = -1;
    QElapsedTimer clock;
    clock.start();
    rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (true) {
        result = rd_kafka_query_watermark_offsets(m_handle.get(), topic.toUtf8().constData(),
                                                  partition, &low, &high, toTimeoutMs(timeout));
        // Right after a topic is created or a broker restarts, leadership is still settling:
        // the client's metadata catches up within moments.
        const bool settling = result == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION
                              || result == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        if (!settling || clock.elapsed() > timeout.count())
            break;
        QThread::msleep(100);
    }
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return kafkaError(
            QStringLiteral("reading the offsets of %1 partition %2").arg(topic).arg(partition),
            result);
    }
    return std::pair<std::int64_t, std::int64_t>{low, high};
}

Result<KafkaEvent> ClusterClient::runAdmin(
    const QString &what, rd_kafka_event_type_t expected, std::chrono::milliseconds timeout,
    const std::function<void(rd_kafka_queue_t *, rd_kafka_AdminOptions_t *)> &request)
{
    const KafkaQueue queue(rd_kafka_queue_new(m_handle.get()));
    const AdminOptions options(rd_kafka_AdminOptions_new(m_handle.get(), RD_KAFKA_ADMIN_OP_ANY));
    std::array<char, 256> message{};
    rd_kafka_AdminOptions_set_request_timeout(options.get(), toTimeoutMs(timeout), message.data(),
                                              message.size());
    rd_kafka_poll(m_handle.get(), 0);
    m_errors->take();
    request(queue.get(), options.get());
    // The request times out on its own; waiting a little longer lets its result arrive.
    KafkaEvent event(rd_kafka_queue_poll(queue.get(), toTimeoutMs(timeout) + 2000));
    if (!event) {
        rd_kafka_poll(m_handle.get(), 0);
        if (const auto cause = mostTelling(m_errors->take()))
            return causedBy(what, *cause);
        return kafkaError(what, RD_KAFKA_RESP_ERR__TIMED_OUT);
    }
    if (rd_kafka_event_type(event.get()) != expected)
        return fail(QStringLiteral("%1 failed: unexpected answer from librdkafka").arg(what));
    if (const rd_kafka_resp_err_t error = rd_kafka_event_error(event.get());
        error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(errorCodeFor(error),
                    QStringLiteral("%1 failed: %2")
                        .arg(what, QString::fromUtf8(rd_kafka_event_error_string(event.get()))));
    }
    return event;
}

Result<void> ClusterClient::createTopic(const TopicSpec &spec, std::chrono::milliseconds timeout)
{
    const QString what = QStringLiteral("creating topic '%1'").arg(spec.name);
    if (m_endpoint.remoteEmbedded) {
        return fail(QString::fromLatin1(errorcode::kUnsupported),
                    QStringLiteral("%1: the embedded broker creates topics only from inside the "
                                   "app (the Streams panel); producing to a new topic creates it "
                                   "with 4 partitions")
                        .arg(what));
    }
    if (m_endpoint.isEmbedded()) {
        if (Result<void> created = m_endpoint.embedded->createTopic(spec.name, spec.partitions,
                                                                    spec.replicationFactor);
            !created) {
            return created;
        }
    } else {
        std::array<char, 512> message{};
        rd_kafka_NewTopic_t *topic =
            rd_kafka_NewTopic_new(spec.name.toUtf8().constData(), spec.partitions,
                                  spec.replicationFactor, message.data(), message.size());
        if (!topic) {
            return fail(
                QString::fromLatin1(errorcode::kInvalidArgument),
                QStringLiteral("%1 failed: %2").arg(what, QString::fromUtf8(message.data())));
        }
        const std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> owned(
            topic, &rd_kafka_NewTopic_destroy);
        for (const auto &[name, value] : spec.configs) {
            rd_kafka_NewTopic_set_config(topic, name.toUtf8().constData(),
                                         value.toUtf8().constData());
        }
        Result<KafkaEvent> event =
            runAdmin(what, RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout,
                     [&](rd_kafka_queue_t *queue, rd_kafka_AdminOptions_t *options) {
                         rd_kafka_CreateTopics(m_handle.get(), &topic, 1, options, queue);
                     });
        if (!event)
            return event.error();
        size_t count = 0;
        const rd_kafka_topic_result_t **results = rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(event->get()), &count);
        for (size_t i = 0; i < count; ++i) {
            if (const rd_kafka_resp_err_t error = rd_kafka_topic_result_error(results[i]);
                error != RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char *reason = rd_kafka_topic_result_error_string(results[i]);
                return fail(
                    errorCodeFor(error),
                    QStringLiteral("%1 failed: %2")
                        .arg(what, QString::fromUtf8(reason ? reason : rd_kafka_err2str(error))));
            }
        }
    }
    // The controller has the topic; wait until the brokers serve every partition, so the next
    // produce or browse finds it.
    QElapsedTimer waited;
    waited.start();
    while (true) {
        Result<ClusterMetadata> now = metadata(false, timeout);
        if (now) {
            const TopicInfo *topic = now->topic(spec.name);
            const bool ready = topic && topic->error.isEmpty()
                               && int(topic->partitions.size()) == spec.partitions
                               && std::all_of(topic->partitions.begin(), topic->partitions.end(),
                                              [](const PartitionInfo &p) { return p.leader >= 0; });
            if (ready)
                return {};
        }
        if (waited.elapsed() > timeout.count()) {
            return fail(QString::fromLatin1(errorcode::kTimedOut),
                        QStringLiteral("%1: the cluster did not report it within %2 ms")
                            .arg(what)
                            .arg(timeout.count()));
        }
        QThread::msleep(50);
    }
}

Result<void> ClusterClient::deleteTopic(const QString &name, std::chrono::milliseconds timeout)
{
    const QString what = QStringLiteral("deleting topic '%1'").arg(name);
    if (!capabilities().deleteTopics) {
        return fail(QString::fromLatin1(errorcode::kUnsupported),
                    QStringLiteral("%1: the embedded broker cannot delete topics").arg(what));
    }
    rd_kafka_DeleteTopic_t *topic = rd_kafka_DeleteTopic_new(name.toUtf8().constData());
    const std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> owned(
        topic, &rd_kafka_DeleteTopic_destroy);
    Result<KafkaEvent> event =
        runAdmin(what, RD_KAFKA_EVENT_DELETETOPICS_RESULT, timeout,
                 [&](rd_kafka_queue_t *queue, rd_kafka_AdminOptions_t *options) {
                     rd_kafka_DeleteTopics(m_handle.get(), &topic, 1, options, queue);
                 });
    if (!event)
        return event.error();
    size_t count = 0;
    const rd_kafka_topic_result_t **results = rd_kafka_DeleteTopics_result_topics(
        rd_kafka_event_DeleteTopics_result(event->get()), &count);
    for (size_t i = 0; i < count; ++i) {
        if (const rd_kafka_resp_err_t error = rd_kafka_topic_result_error(results[i]);
            error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                return fail(QString::fromLatin1(errorcode::kNotFound),
                            QStringLiteral("%1 failed: there is no such topic").arg(what));
            }
            return kafkaError(what, error);
        }
    }
    return {};
}

Result<std::vector<ConsumerGroupInfo>>
ClusterClient::consumerGroups(std::chrono::milliseconds timeout)
{
    const QString what = QStringLiteral("listing consumer groups");
    if (!capabilities().listGroups) {
        return fail(QString::fromLatin1(errorcode::kUnsupported),
                    QStringLiteral("%1: the embedded broker cannot list groups").arg(what));
    }
    Result<KafkaEvent> event =
        runAdmin(what, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeout,
                 [&](rd_kafka_queue_t *queue, rd_kafka_AdminOptions_t *options) {
                     rd_kafka_ListConsumerGroups(m_handle.get(), options, queue);
                 });
    if (!event)
        return event.error();
    const rd_kafka_ListConsumerGroups_result_t *result =
        rd_kafka_event_ListConsumerGroups_result(event->get());
    size_t count = 0;
    const rd_kafka_ConsumerGroupListing_t **groups =
        rd_kafka_ListConsumerGroups_result_valid(result, &count);
    std::vector<ConsumerGroupInfo> infos;
    infos.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        infos.push_back(ConsumerGroupInfo{
            QString::fromUtf8(rd_kafka_ConsumerGroupListing_group_id(groups[i])),
            QString::fromUtf8(
                rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]))),
            rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0});
    }
    std::sort(infos.begin(), infos.end(),
              [](const ConsumerGroupInfo &a, const ConsumerGroupInfo &b) { return a.id < b.id; });
    return infos;
}

Result<std::vector<GroupPartitionLag>> ClusterClient::groupLag(const QString &groupId,
                                                               const std::vector<QString> &topics,
                                                               std::chrono::milliseconds timeout)
{
    const QString what = QStringLiteral("reading the offsets of group '%1'").arg(groupId);
    PartitionList wanted;
    if (!topics.empty()) {
        Result<ClusterMetadata> all = metadata(false, timeout);
        if (!all)
            return all.error();
        wanted.reset(rd_kafka_topic_partition_list_new(8));
        for (const QString &name : topics) {
            const TopicInfo *topic = all->topic(name);
            if (!topic) {
                return fail(QString::fromLatin1(errorcode::kNotFound),
                            QStringLiteral("%1: there is no topic '%2'").arg(what, name));
            }
            for (const PartitionInfo &partition : topic->partitions)
                rd_kafka_topic_partition_list_add(wanted.get(), name.toUtf8().constData(),
                                                  partition.id);
        }
    }
    // The embedded broker answers a request for "every topic the group committed to" with
    // nothing: it is asked for every partition instead, and what the group never committed to is
    // left out below, as a real broker would.
    const bool committedOnly = topics.empty() && m_endpoint.isEmbedded();
    if (committedOnly) {
        Result<ClusterMetadata> all = metadata(false, timeout);
        if (!all)
            return all.error();
        wanted.reset(rd_kafka_topic_partition_list_new(8));
        for (const TopicInfo &topic : all->topics) {
            for (const PartitionInfo &partition : topic.partitions)
                rd_kafka_topic_partition_list_add(wanted.get(), topic.name.toUtf8().constData(),
                                                  partition.id);
        }
        if (wanted->cnt == 0)
            return std::vector<GroupPartitionLag>();
    }
    rd_kafka_ListConsumerGroupOffsets_t *request =
        rd_kafka_ListConsumerGroupOffsets_new(groupId.toUtf8().constData(), wanted.get());
    const std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                          decltype(&rd_kafka_ListConsumerGroupOffsets_destroy)>
        owned(request, &rd_kafka_ListConsumerGroupOffsets_destroy);
    Result<KafkaEvent> event =
        runAdmin(what, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, timeout,
                 [&](rd_kafka_queue_t *queue, rd_kafka_AdminOptions_t *options) {
                     rd_kafka_ListConsumerGroupOffsets(m_handle.get(), &request, 1, options, queue);
                 });
    if (!event)
        return event.error();
    size_t count = 0;
    const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &count);
    std::vector<GroupPartitionLag> lags;
    for (size_t g = 0; g < count; ++g) {
        if (const rd_kafka_error_t *error = rd_kafka_group_result_error(groups[g])) {
            return fail(errorCodeFor(rd_kafka_error_code(error)),
                        QStringLiteral("%1 failed: %2")
                            .arg(what, QString::fromUtf8(rd_kafka_error_string(error))));
        }
        const rd_kafka_topic_partition_list_t *partitions =
            rd_kafka_group_result_partitions(groups[g]);
        for (int i = 0; partitions && i < partitions->cnt; ++i) {
            const rd_kafka_topic_partition_t &entry = partitions->elems[i];
            if (committedOnly && entry.offset < 0)
                continue;
            GroupPartitionLag lag;
            lag.group = groupId;
            lag.topic = QString::fromUtf8(entry.topic);
            lag.partition = entry.partition;
            lag.committedOffset = entry.offset >= 0 ? entry.offset : -1;
            Result<std::pair<std::int64_t, std::int64_t>> marks =
                watermarks(lag.topic, lag.partition, timeout);
            if (!marks)
                return marks.error();
            lag.highWatermark = marks->second;
            const std::int64_t from = lag.committedOffset >= 0 ? lag.committedOffset : marks->first;
            lag.lag = std::max<std::int64_t>(0, marks->second - from);
            lags.push_back(std::move(lag));
        }
    }
    std::sort(lags.begin(), lags.end(), [](const GroupPartitionLag &a, const GroupPartitionLag &b) {
        return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
    return lags;
}

ConnectionCheck ClusterClient::check(std::chrono::milliseconds timeout)
{
    QElapsedTimer clock;
    clock.start();
    ConnectionCheck check;
    Result<ClusterMetadata> answer = metadata(false, timeout);
    check.elapsed = std::chrono::milliseconds(clock.elapsed());
    if (answer) {
        check.brokerCount = int(answer->brokers.size());
        return check;
    }
    const QString code = answer.error().code;
    if (code == QLatin1String(errorcode::kAuthentication)) {
        check.failure = ConnectionCheck::Failure::Authentication;
        check.message = QStringLiteral("authentication failed: %1").arg(answer.errorMessage());
    } else if (code == QLatin1String(errorcode::kTls)) {
        check.failure = ConnectionCheck::Failure::Tls;
        check.message = QStringLiteral("TLS failed: %1").arg(answer.errorMessage());
    } else if (code == QLatin1String(errorcode::kUnreachable)
               || code == QLatin1String(errorcode::kTimedOut)) {
        check.failure = ConnectionCheck::Failure::Unreachable;
        check.message = QStringLiteral("cannot reach %1: %2")
                            .arg(m_endpoint.bootstrapServers(), answer.errorMessage());
    } else {
        check.failure = ConnectionCheck::Failure::Other;
        check.message = answer.errorMessage();
    }
    qCInfo(lcStreams) << "connection check of" << m_endpoint.label << "failed:" << check.message;
    return check;
}

} // namespace millrace::streams

#pragma once

#include "core/base/result.h"
#include "core/streams/endpoint.h"

#include <QString>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace millrace::streams {

/// One partition of a topic as the cluster describes it.
struct PartitionInfo
{
    std::int32_t id = 0;
    std::int32_t leader = -1;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> inSyncReplicas;
    /// Oldest and next offsets (low and high watermarks); -1 when not asked for or unknown.
    std::int64_t lowWatermark = -1;
    std::int64_t highWatermark = -1;
    /// Why the partition's metadata or watermarks are missing; empty when they are not.
    QString error;

    /// Messages the partition holds now (high - low), 0 when unknown.
    std::int64_t messageCount() const;
};

/// One topic with its partitions, ordered by partition id.
struct TopicInfo
{
    QString name;
    bool internal = false;
    std::vector<PartitionInfo> partitions;
    QString error;

    /// Messages in all partitions.
    std::int64_t messageCount() const;
};

struct BrokerInfo
{
    std::int32_t id = 0;
    QString host;
    int port = 0;
};

/// What a cluster says about itself: brokers and topics (by name).
struct ClusterMetadata
{
    std::vector<BrokerInfo> brokers;
    std::vector<TopicInfo> topics;
    /// The broker that answered.
    std::int32_t originBroker = -1;

    /// The topic called `name`, or null.
    const TopicInfo *topic(const QString &name) const;
};

/// How to create a topic on a real cluster.
struct TopicSpec
{
    QString name;
    int partitions = 1;
    int replicationFactor = 1;
    /// Topic configs such as retention.ms.
    std::map<QString, QString> configs;
};

/// A consumer group the cluster knows.
struct ConsumerGroupInfo
{
    QString id;
    /// "Stable", "Empty", "PreparingRebalance", ...
    QString state;
    bool simple = false;
};

/// A group's committed position in one partition and how far behind the end it is.
struct GroupPartitionLag
{
    /// The consumer group.
    QString group;
    QString topic;
    std::int32_t partition = 0;
    /// -1 when the group has committed nothing there.
    std::int64_t committedOffset = -1;
    std::int64_t highWatermark = -1;
    /// Messages not yet consumed: high - committed (or high - low without a commit).
    std::int64_t lag = 0;
};

/// The result of a connection test: ok, or which of the usual things failed.
struct ConnectionCheck
{
    enum class Failure { None, Unreachable, Authentication, Tls, Other };
    Failure failure = Failure::None;
    /// One line for users ("authentication failed: SASL ..."); empty when ok.
    QString message;
    /// Brokers that answered.
    int brokerCount = 0;
    std::chrono::milliseconds elapsed{0};

    bool ok() const { return failure == Failure::None; }
};

/// What a cluster lets Millrace do beyond reading and writing messages.
struct ClusterCapabilities
{
    bool createTopics = true;
    bool deleteTopics = true;
    bool listGroups = true;
};

/// Metadata and administration of one cluster: topics, partitions, watermarks, consumer groups
/// and their lag, creating and deleting topics. Every call blocks for at most its timeout (network
/// round trips), so use it from a worker thread, never the GUI thread. Not thread-safe: one
/// thread at a time.
class ClusterClient
{
public:
    /// Default time a call waits for the cluster.
    static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

    /// A client for `endpoint`; does not contact the cluster yet.
    static Result<std::unique_ptr<ClusterClient>> create(const ClusterEndpoint &endpoint);
    ~ClusterClient();

    const ClusterEndpoint &endpoint() const { return m_endpoint; }
    ClusterCapabilities capabilities() const;

    /// Brokers and topics (internal ones too), with each partition's watermarks when asked.
    Result<ClusterMetadata> metadata(bool withWatermarks = true,
                                     std::chrono::milliseconds timeout = kDefaultTimeout);
    /// One topic with its watermarks; fails with errorcode::kNotFound when there is none.
    Result<TopicInfo> describeTopic(const QString &name,
                                    std::chrono::milliseconds timeout = kDefaultTimeout);
    /// Low and high watermarks of one partition.
    Result<std::pair<std::int64_t, std::int64_t>>
    watermarks(const QString &topic, std::int32_t partition,
               std::chrono::milliseconds timeout = kDefaultTimeout);
    /// Creates a topic and waits until the cluster reports it.
    Result<void> createTopic(const TopicSpec &spec,
                             std::chrono::milliseconds timeout = kDefaultTimeout);
    /// Deletes a topic and its messages.
    Result<void> deleteTopic(const QString &name,
                             std::chrono::milliseconds timeout = kDefaultTimeout);
    /// The consumer groups the cluster knows; errorcode::kUnsupported on the embedded broker.
    Result<std::vector<ConsumerGroupInfo>>
    consumerGroups(std::chrono::milliseconds timeout = kDefaultTimeout);
    /// For each partition of `topics` (all topics the group committed to when empty), the
    /// group's committed offset and lag.
    Result<std::vector<GroupPartitionLag>>
    groupLag(const QString &groupId, const std::vector<QString> &topics = {},
             std::chrono::milliseconds timeout = kDefaultTimeout);

    /// Connects and asks for metadata, saying what failed: the address, authentication or TLS.
    ConnectionCheck check(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    struct ErrorLog;
    ClusterClient(ClusterEndpoint endpoint, KafkaHandle handle, std::unique_ptr<ErrorLog> errors);
    Result<KafkaEvent>
    runAdmin(const QString &what, rd_kafka_event_type_t expected, std::chrono::milliseconds timeout,
             const std::function<void(rd_kafka_queue_t *, rd_kafka_AdminOptions_t *)> &request);

    ClusterEndpoint m_endpoint;
    std::unique_ptr<ErrorLog> m_errors;
    KafkaHandle m_handle;
};

} // namespace millrace::streams

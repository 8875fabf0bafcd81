#pragma once

#include "core/base/result.h"
#include "core/streams/endpoint.h"

#include <QString>

#include <memory>

struct rd_kafka_mock_cluster_s;

namespace millrace::streams {

/// The Kafka cluster Millrace runs when no profile is set: librdkafka's mock cluster, which
/// speaks the real Kafka protocol on local TCP ports and keeps every message in memory, so
/// nothing survives the process ("embedded broker — not durable"). Its protocol has no
/// CreateTopics, DeleteTopics or group listing; createTopic() here does the first, and
/// ClusterClient reports the others as unsupported.
class EmbeddedBroker
{
public:
    /// What users see for the embedded broker.
    static QString label();

    /// Starts a cluster of `brokerCount` brokers on 127.0.0.1.
    static Result<std::shared_ptr<EmbeddedBroker>> start(int brokerCount = 1);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker &) = delete;
    EmbeddedBroker &operator=(const EmbeddedBroker &) = delete;

    /// "127.0.0.1:port,...".
    QString bootstrapServers() const;
    /// An endpoint for clients of this cluster; it keeps the cluster alive.
    ClusterEndpoint endpoint();
    /// Creates a topic with `partitions` partitions (replication is the broker count at most).
    Result<void> createTopic(const QString &name, int partitions, int replicationFactor = 1);
    /// Takes broker `brokerId` (from 1) down or brings it back, as an outage would; for tests.
    Result<void> setBrokerUp(int brokerId, bool up);

private:
    EmbeddedBroker() = default;

    KafkaHandle m_handle;
    rd_kafka_mock_cluster_s *m_cluster = nullptr;
    std::weak_ptr<EmbeddedBroker> m_self;
};

} // namespace millrace::streams

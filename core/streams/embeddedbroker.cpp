#include "core/streams/embeddedbroker.h"

#include "core/streams/streamslog.h"

#include <librdkafka/rdkafka_mock.h>

namespace millrace::streams {

QString EmbeddedBroker::label()
{
    return QStringLiteral("embedded broker — not durable");
}

Result<std::shared_ptr<EmbeddedBroker>> EmbeddedBroker::start(int brokerCount)
{
    // The mock cluster needs a client instance for its own bookkeeping; a producer that never
    // produces is the lightest. Its logs would repeat every mock broker's chatter: keep errors.
    Result<KafkaHandle> handle = makeClient(RD_KAFKA_PRODUCER, {{"log_level", "3"}});
    if (!handle)
        return handle.error();
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle->get(), brokerCount);
    if (!cluster)
        return fail(QStringLiteral("cannot start the embedded broker (no free local port?)"));
    std::shared_ptr<EmbeddedBroker> broker(new EmbeddedBroker);
    broker->m_handle = std::move(handle.value());
    broker->m_cluster = cluster;
    broker->m_self = broker;
    qCInfo(lcStreams) << "embedded broker listening on" << broker->bootstrapServers();
    return broker;
}

EmbeddedBroker::~EmbeddedBroker()
{
    // The cluster refers to the handle: it goes first.
    if (m_cluster)
        rd_kafka_mock_cluster_destroy(m_cluster);
}

QString EmbeddedBroker::bootstrapServers() const
{
    return QString::fromUtf8(rd_kafka_mock_cluster_bootstraps(m_cluster));
}

ClusterEndpoint EmbeddedBroker::endpoint()
{
    return ClusterEndpoint{
        label(),
        {{"bootstrap.servers", bootstrapServers().toStdString()}, {"client.id", "millrace"}},
        m_self.lock()};
}

Result<void> EmbeddedBroker::createTopic(const QString &name, int partitions, int replicationFactor)
{
    if (name.isEmpty() || partitions < 1 || replicationFactor < 1) {
        return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                    QStringLiteral("a topic needs a name and at least one partition and replica"));
    }
    const rd_kafka_resp_err_t result = rd_kafka_mock_topic_create(
        m_cluster, name.toUtf8().constData(), partitions, replicationFactor);
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR)
        return kafkaError(QStringLiteral("creating topic '%1'").arg(name), result);
    return {};
}

Result<void> EmbeddedBroker::setBrokerUp(int brokerId, bool up)
{
    const rd_kafka_resp_err_t result = up ? rd_kafka_mock_broker_set_up(m_cluster, brokerId)
                                          : rd_kafka_mock_broker_set_down(m_cluster, brokerId);
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR)
        return kafkaError(QStringLiteral("changing embedded broker %1").arg(brokerId), result);
    return {};
}

} // namespace millrace::streams

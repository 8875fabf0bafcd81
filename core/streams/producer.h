#pragma once

#include "core/base/result.h"
#include "core/streams/endpoint.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace millrace::streams {

/// One message to publish.
struct OutgoingMessage
{
    QByteArray key;
    QByteArray value;
    /// A partition, or -1 to let the key's hash (or stickiness, without a key) choose.
    std::int32_t partition = -1;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    /// Milliseconds since the epoch; 0 lets the producer stamp it.
    std::int64_t timestampMs = 0;
};

/// What became of one message: where it was stored, or why it was not.
struct DeliveryReport
{
    QString topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    /// Empty when delivered.
    QString error;
};

/// Counts of delivery reports so far.
struct ProduceSummary
{
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    /// The first failure's message, to show when something failed.
    QString firstError;
};

/// How a producer trades latency for throughput and safety.
struct ProducerOptions
{
    /// Idempotence (acks=all, no duplicates on retry); off only for brokers that refuse it.
    bool idempotent = true;
    /// How long to gather messages into one request.
    int lingerMs = 5;
    /// "none", "gzip", "snappy", "lz4" or "zstd".
    QString compression = QStringLiteral("lz4");
};

/// Publishes messages to a cluster, for the produce dialog, the stream simulator and
/// `millrace produce`. send() queues and returns; delivery reports arrive while send(), poll()
/// or flush() run, on the calling thread. Blocks only when librdkafka's local queue is full,
/// or in flush(): use it from a worker thread. Not thread-safe.
class MessageProducer
{
public:
    static Result<std::unique_ptr<MessageProducer>> create(const ClusterEndpoint &endpoint,
                                                           const ProducerOptions &options = {});
    ~MessageProducer();

    /// Queues `message` for `topic`, waiting (and serving delivery reports) while the local
    /// queue is full. Fails for an unknown partition, a message larger than the broker allows,
    /// or a fatal producer error.
    Result<void> send(const QString &topic, const OutgoingMessage &message);
    /// Serves the delivery reports that are ready, without waiting.
    void poll();
    /// Waits until every queued message is delivered or failed, or `timeout` passes (then fails
    /// with errorcode::kTimedOut, saying how many are still queued).
    Result<ProduceSummary> flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /// Delivery reports so far.
    const ProduceSummary &summary() const { return m_summary; }
    /// Messages queued and not yet reported.
    int pending() const;
    /// Called with every delivery report, on the thread that serves them.
    void setDeliveryCallback(std::function<void(const DeliveryReport &)> callback);

private:
    MessageProducer() = default;
    static void onDelivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque);

    ProduceSummary m_summary;
    std::function<void(const DeliveryReport &)> m_callback;
    KafkaHandle m_handle;
};

} // namespace millrace::streams

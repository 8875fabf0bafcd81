#pragma once

// Owning handles for librdkafka's C objects, and the step from a list of client properties to a
// configured client. Only core/streams includes this header: the rest of Millrace sees Kafka
// through the types in the other headers of this folder.

#include "core/base/result.h"

#include <librdkafka/rdkafka.h>

#include <QString>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace millrace::streams {

/// Frees librdkafka objects; one overload per type, so one deleter serves every handle.
struct KafkaDeleter
{
    void operator()(rd_kafka_t *handle) const { rd_kafka_destroy(handle); }
    void operator()(rd_kafka_conf_t *conf) const { rd_kafka_conf_destroy(conf); }
    void operator()(rd_kafka_topic_partition_list_t *list) const
    {
        rd_kafka_topic_partition_list_destroy(list);
    }
    void operator()(rd_kafka_message_t *message) const { rd_kafka_message_destroy(message); }
    void operator()(rd_kafka_queue_t *queue) const { rd_kafka_queue_destroy(queue); }
    void operator()(rd_kafka_topic_t *topic) const { rd_kafka_topic_destroy(topic); }
    void operator()(rd_kafka_event_t *event) const { rd_kafka_event_destroy(event); }
    void operator()(rd_kafka_AdminOptions_t *options) const
    {
        rd_kafka_AdminOptions_destroy(options);
    }
    void operator()(rd_kafka_headers_t *headers) const { rd_kafka_headers_destroy(headers); }
    void operator()(rd_kafka_error_t *error) const { rd_kafka_error_destroy(error); }
    void operator()(const rd_kafka_metadata_t *metadata) const
    {
        rd_kafka_metadata_destroy(metadata);
    }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, KafkaDeleter>;
using KafkaQueue = std::unique_ptr<rd_kafka_queue_t, KafkaDeleter>;
using KafkaTopic = std::unique_ptr<rd_kafka_topic_t, KafkaDeleter>;
using KafkaEvent = std::unique_ptr<rd_kafka_event_t, KafkaDeleter>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter>;
using KafkaError = std::unique_ptr<rd_kafka_error_t, KafkaDeleter>;
using KafkaMetadata = std::unique_ptr<const rd_kafka_metadata_t, KafkaDeleter>;

/// librdkafka configuration properties ("bootstrap.servers", "security.protocol", ...), in the
/// order they are applied.
using ClientProperties = std::vector<std::pair<std::string, std::string>>;

/// Error codes Kafka failures carry in Error::code, so callers can tell an outage from a bad
/// request.
namespace errorcode {
inline constexpr char kUnreachable[] = "UNREACHABLE";
inline constexpr char kAuthentication[] = "AUTHENTICATION";
inline constexpr char kTls[] = "TLS";
inline constexpr char kUnsupported[] = "UNSUPPORTED";
inline constexpr char kNotFound[] = "NOT_FOUND";
inline constexpr char kAlreadyExists[] = "ALREADY_EXISTS";
inline constexpr char kInvalidArgument[] = "INVALID_ARGUMENT";
inline constexpr char kTimedOut[] = "TIMED_OUT";
inline constexpr char kKafka[] = "KAFKA";
/// The caller's CancellationToken stopped the call.
inline constexpr char kCancelled[] = "CANCELLED";
} // namespace errorcode

/// The Error for a librdkafka error code, with `what` saying what was being done
/// ("listing topics") and the code mapped to one of the errorcode values.
Error kafkaError(const QString &what, rd_kafka_resp_err_t code);
/// Maps a librdkafka error code to one of the errorcode values.
QString errorCodeFor(rd_kafka_resp_err_t code);

/// A configuration with `properties` applied (later ones win). Fails naming the property librdkafka
/// rejected; a value is never echoed, as it may be secret.
Result<KafkaConf> makeConf(const ClientProperties &properties);
/// A client of `type` (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER) made from `conf`, which it takes.
Result<KafkaHandle> makeClient(rd_kafka_type_t type, KafkaConf conf);
/// A client of `type` made from `properties`.
Result<KafkaHandle> makeClient(rd_kafka_type_t type, const ClientProperties &properties);

/// Milliseconds for librdkafka's int timeouts.
inline int toTimeoutMs(std::chrono::milliseconds timeout)
{
    return static_cast<int>(timeout.count());
}

} // namespace millrace::streams

#include "core/streams/kafkahandles.h"

#include "core/streams/streamslog.h"

#include <array>

namespace millrace::streams {

namespace {

// librdkafka logs from its own threads; Qt's logging is thread-safe, so its lines join the rest
// of the app's log (and the log dock) instead of going to stderr.
void logToQt(const rd_kafka_t *handle, int level, const char *facility, const char *message)
{
    const QString line = QStringLiteral("%1 %2: %3")
                             .arg(QString::fromUtf8(rd_kafka_name(handle)),
                                  QString::fromUtf8(facility), QString::fromUtf8(message));
    if (level <= 4)
        qCWarning(lcStreams).noquote() << line;
    else if (level <= 6)
        qCInfo(lcStreams).noquote() << line;
    else
        qCDebug(lcStreams).noquote() << line;
}

} // namespace

QString errorCodeFor(rd_kafka_resp_err_t code)
{
    switch (code) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
        return QString::fromLatin1(errorcode::kUnreachable);
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        return QString::fromLatin1(errorcode::kTimedOut);
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        return QString::fromLatin1(errorcode::kAuthentication);
    case RD_KAFKA_RESP_ERR__SSL:
        return QString::fromLatin1(errorcode::kTls);
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
        return QString::fromLatin1(errorcode::kNotFound);
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
        return QString::fromLatin1(errorcode::kAlreadyExists);
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
        return QString::fromLatin1(errorcode::kInvalidArgument);
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
        return QString::fromLatin1(errorcode::kUnsupported);
    default:
        return QString::fromLatin1(errorcode::kKafka);
    }
}

Error kafkaError(const QString &what, rd_kafka_resp_err_t code)
{
    return fail(
        errorCodeFor(code),
        QStringLiteral("%1 failed: %2").arg(what, QString::fromUtf8(rd_kafka_err2str(code))));
}

Result<KafkaConf> makeConf(const ClientProperties &properties)
{
    KafkaConf conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), &logToQt);
    std::array<char, 512> message{};
    for (const auto &[name, value] : properties) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), message.data(),
                              message.size())
            != RD_KAFKA_CONF_OK) {
            return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                        QStringLiteral("Kafka property '%1' was refused: %2")
                            .arg(QString::fromStdString(name), QString::fromUtf8(message.data())));
        }
    }
    return conf;
}

Result<KafkaHandle> makeClient(rd_kafka_type_t type, KafkaConf conf)
{
    std::array<char, 512> message{};
    // rd_kafka_new takes the configuration only when it succeeds.
    rd_kafka_t *handle = rd_kafka_new(type, conf.get(), message.data(), message.size());
    if (!handle) {
        return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                    QStringLiteral("cannot create a Kafka client: %1")
                        .arg(QString::fromUtf8(message.data())));
    }
    (void)conf.release();
    return KafkaHandle(handle);
}

Result<KafkaHandle> makeClient(rd_kafka_type_t type, const ClientProperties &properties)
{
    Result<KafkaConf> conf = makeConf(properties);
    if (!conf)
        return conf.error();
    return makeClient(type, std::move(conf.value()));
}

} // namespace millrace::streams

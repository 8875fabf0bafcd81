#include "core/streams/producer.h"

#include <QThread>

namespace millrace::streams {

Result<std::unique_ptr<MessageProducer>> MessageProducer::create(const ClusterEndpoint &endpoint,
                                                                 const ProducerOptions &options)
{
    ClientProperties tuning{
        {"enable.idempotence", options.idempotent ? "true" : "false"},
        {"linger.ms", std::to_string(options.lingerMs)},
        {"compression.codec", options.compression.toStdString()},
        {"log_level", "3"},
    };
    Result<KafkaConf> conf = makeConf(endpoint.with(tuning));
    if (!conf)
        return conf.error();
    std::unique_ptr<MessageProducer> producer(new MessageProducer);
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &MessageProducer::onDelivery);
    rd_kafka_conf_set_opaque(conf->get(), producer.get());
    Result<KafkaHandle> handle = makeClient(RD_KAFKA_PRODUCER, std::move(conf.value()));
    if (!handle)
        return handle.error();
    producer->m_handle = std::move(handle.value());
    return producer;
}

MessageProducer::~MessageProducer()
{
    // Undelivered messages are given up on; callers that care flush() first. Delivery reports
    // for them must not reach a half-destroyed object.
    if (m_handle) {
        rd_kafka_purge(m_handle.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        m_callback = nullptr;
        rd_kafka_flush(m_handle.get(), 1000);
    }
}

void MessageProducer::onDelivery(rd_kafka_t *, const rd_kafka_message_t *message, void *opaque)
{
    auto *producer = static_cast<MessageProducer *>(opaque);
    DeliveryReport report;
    report.topic = QString::fromUtf8(rd_kafka_topic_name(message->rkt));
    report.partition = message->partition;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        report.offset = message->offset;
        ++producer->m_summary.delivered;
    } else {
        report.error = QString::fromUtf8(rd_kafka_err2str(message->err));
        if (producer->m_summary.failed++ == 0)
            producer->m_summary.firstError = report.error;
    }
    if (producer->m_callback)
        producer->m_callback(report);
}

Result<void> MessageProducer::send(const QString &topic, const OutgoingMessage &message)
{
    const QByteArray topicName = topic.toUtf8();
    rd_kafka_headers_t *headers = nullptr;
    if (!message.headers.empty()) {
        headers = rd_kafka_headers_new(message.headers.size());
        for (const auto &[name, value] : message.headers)
            rd_kafka_header_add(headers, name.constData(), name.size(), value.constData(),
                                value.size());
    }
    while (true) {
        const rd_kafka_resp_err_t result = rd_kafka_producev(
            m_handle.get(), RD_KAFKA_V_TOPIC(topicName.constData()),
            RD_KAFKA_V_PARTITION(message.partition < 0 ? RD_KAFKA_PARTITION_UA : message.partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(const_cast<char *>(message.value.constData()),
                             size_t(message.value.size())),
            RD_KAFKA_V_KEY(message.key.isNull() ? nullptr : message.key.constData(),
                           size_t(message.key.size())),
            RD_KAFKA_V_TIMESTAMP(message.timestampMs), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        if (result == RD_KAFKA_RESP_ERR_NO_ERROR)
            return {}; // the message owns the headers now
        if (result == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            // Delivery reports free room in the queue.
            rd_kafka_poll(m_handle.get(), 50);
            continue;
        }
        if (headers)
            rd_kafka_headers_destroy(headers);
        return kafkaError(QStringLiteral("sending a message to '%1'").arg(topic), result);
    }
}

void MessageProducer::poll()
{
    rd_kafka_poll(m_handle.get(), 0);
}

int MessageProducer::pending() const
{
    return rd_kafka_outq_len(m_handle.get());
}

Result<ProduceSummary> MessageProducer::flush(std::chrono::milliseconds timeout)
{
    const rd_kafka_resp_err_t result = rd_kafka_flush(m_handle.get(), toTimeoutMs(timeout));
    if (result == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        return fail(QString::fromLatin1(errorcode::kTimedOut),
                    QStringLiteral("%1 messages were still not delivered after %2 ms")
                        .arg(pending())
                        .arg(timeout.count()));
    }
    return m_summary;
}

void MessageProducer::setDeliveryCallback(std::function<void(const DeliveryReport &)> callback)
{
    m_callback = std::move(callback);
}

} // namespace millrace::streams

#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QtPlugin>

namespace millrace::plugins {

/// Turns Kafka message payloads into records (JSON objects) and back. Streams use a codec to
/// read samples from a topic and to publish them. Implementations must be thread-safe: one codec
/// serves every consumer.
class MessageCodec
{
public:
    virtual ~MessageCodec() = default;

    /// MIME-like name of the format, e.g. "application/json".
    virtual QString contentType() const = 0;
    /// Decodes one payload. On failure returns false and sets `error` to one line naming what is
    /// wrong and where (the offset), leaving `record` unchanged.
    virtual bool decode(const QByteArray &payload, QJsonObject &record, QString &error) const = 0;
    /// Encodes one record as a payload.
    virtual QByteArray encode(const QJsonObject &record) const = 0;
};

} // namespace millrace::plugins

#define MillraceMessageCodec_iid "org.millrace.MessageCodec/1"
Q_DECLARE_INTERFACE(millrace::plugins::MessageCodec, MillraceMessageCodec_iid)

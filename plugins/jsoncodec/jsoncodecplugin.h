#pragma once

#include "plugins/api/messagecodec.h"

#include <QObject>

/// Message codec for payloads that hold one JSON object, the format the shipped pipeline
/// publishes samples in.
class JsonCodecPlugin : public QObject, public millrace::plugins::MessageCodec
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceMessageCodec_iid FILE "jsoncodec.json")
    Q_INTERFACES(millrace::plugins::MessageCodec)

public:
    QString contentType() const override;
    bool decode(const QByteArray &payload, QJsonObject &record, QString &error) const override;
    QByteArray encode(const QJsonObject &record) const override;
};

#include "plugins/jsoncodec/jsoncodecplugin.h"

#include <QJsonDocument>
#include <QJsonParseError>

QString JsonCodecPlugin::contentType() const
{
    return QStringLiteral("application/json");
}

bool JsonCodecPlugin::decode(const QByteArray &payload, QJsonObject &record, QString &error) const
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        error = QStringLiteral("not valid JSON at byte %1: %2")
                    .arg(parseError.offset)
                    .arg(parseError.errorString());
        return false;
    }
    // Qt's parser already rejects a bare scalar, so what is left that is not an object is an
    // array.
    if (!document.isObject()) {
        error = QStringLiteral("expected a JSON object, got an array");
        return false;
    }
    record = document.object();
    return true;
}

QByteArray JsonCodecPlugin::encode(const QJsonObject &record) const
{
    return QJsonDocument(record).toJson(QJsonDocument::Compact);
}

#include "core/serving/predictormessages.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace millrace::serving {

RequestDecoder::RequestDecoder(streams::RecordLayout layout)
    : m_layout(std::move(layout)), m_fastPath(m_layout)
{
}

Result<PredictionRequest> RequestDecoder::decode(const QByteArray &payload) const
{
    if (payload.trimmed().isEmpty())
        return fail(QString::fromLatin1(malformed::kEmpty), QStringLiteral("empty message"));
    PredictionRequest request;
    request.features.resize(m_layout.featureCount());
    streams::JsonSampleReader::Sample sample;
    // The drain's fast path reads well-formed labelled samples several times faster than
    // QJsonDocument; whatever it is not sure of (no label, odd JSON) takes the general path.
    if (m_fastPath.read(payload, request.features, sample)) {
        request.label = sample.classIndex;
        request.id = QString::fromUtf8(sample.id);
        return request;
    }
    request.features.clear();

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QString::fromLatin1(malformed::kNotJson),
                    QStringLiteral("not JSON: %1 at byte %2")
                        .arg(parseError.errorString())
                        .arg(parseError.offset));
    if (!document.isObject())
        return fail(QString::fromLatin1(malformed::kNotObject),
                    QStringLiteral("not a JSON object"));
    QJsonObject record = document.object();
    const auto label = record.constFind(m_layout.labelField);
    const bool labelled = label != record.constEnd() && !label->isNull();
    if (!labelled)
        record.insert(m_layout.labelField, 0); // toSample wants one; this one is not kept
    std::int64_t classIndex = 0;
    if (Result<void> read = m_layout.toSample(record, request.features, classIndex); !read)
        return fail(QString::fromLatin1(malformed::kBadSample), read.errorMessage());
    if (labelled)
        request.label = classIndex;
    Result<QString> id = m_layout.idOf(record);
    if (!id)
        return fail(QString::fromLatin1(malformed::kBadId), id.errorMessage());
    request.id = *id;
    return request;
}

QByteArray predictionRecord(const RequestOrigin &origin, const PredictionRequest &request,
                            const PredictionOutcome &outcome)
{
    QJsonObject source{{QStringLiteral("topic"), origin.topic},
                       {QStringLiteral("partition"), origin.partition},
                       {QStringLiteral("offset"), qint64(origin.offset)},
                       {QStringLiteral("timestamp_ms"), qint64(origin.timestampMs)}};
    if (!origin.key.isNull())
        source.insert(QStringLiteral("key"), QString::fromUtf8(origin.key));
    if (!request.id.isEmpty())
        source.insert(QStringLiteral("id"), request.id);
    QJsonObject record{{QStringLiteral("request"), source},
                       {QStringLiteral("class"), qint64(outcome.classIndex)},
                       {QStringLiteral("class_name"), outcome.className},
                       {QStringLiteral("model"), outcome.model},
                       {QStringLiteral("version"), outcome.version},
                       {QStringLiteral("predicted_at"),
                        QDateTime::fromMSecsSinceEpoch(outcome.predictedAtMs, Qt::UTC)
                            .toString(Qt::ISODateWithMs)},
                       {QStringLiteral("predicted_at_ms"), qint64(outcome.predictedAtMs)}};
    if (request.label)
        record.insert(QStringLiteral("label"), qint64(*request.label));
    return QJsonDocument(record).toJson(QJsonDocument::Compact);
}

} // namespace millrace::serving

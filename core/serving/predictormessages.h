#pragma once

// The Kafka predictor's messages: what a request message holds (a JSON sample, as the `stream`
// DAG and the stream simulator publish it) and the prediction record it answers with. Plain
// functions, no Kafka, so they are cheap to test and reuse.

#include "core/base/result.h"
#include "core/streams/jsonsamplereader.h"
#include "core/streams/recordlayout.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace millrace::serving {

/// Where a request message came from: enough for a consumer of the predictions to join them
/// back to the requests.
struct RequestOrigin
{
    QString topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    /// The request's key; null when it had none (the prediction then has none either).
    QByteArray key;
    /// The request's Kafka timestamp, milliseconds since the epoch (0 when unknown).
    std::int64_t timestampMs = 0;
};

/// One decoded request: the sample's features, scaled as the layout says, and its label and
/// id when it carries them.
struct PredictionRequest
{
    std::vector<float> features;
    std::optional<std::int64_t> label;
    QString id;
};

/// Why a request message cannot be answered, as the Error code of decodeRequest(): messages of
/// one kind are logged once, so a topic full of them does not flood the log.
namespace malformed {
inline constexpr char kEmpty[] = "empty";
inline constexpr char kNotJson[] = "not-json";
inline constexpr char kNotObject[] = "not-object";
inline constexpr char kBadSample[] = "bad-sample";
inline constexpr char kBadId[] = "bad-id";
} // namespace malformed

/// Decodes request messages of one RecordLayout (Fashion-MNIST's by default). A label is
/// optional: a message without one is a plain prediction request; one with a label also
/// counts toward a retrain. Thread-safe (const).
class RequestDecoder
{
public:
    explicit RequestDecoder(streams::RecordLayout layout = streams::RecordLayout::fashionMnist());

    /// The values each request's features hold.
    std::size_t featureCount() const { return m_layout.featureCount(); }
    const streams::RecordLayout &layout() const { return m_layout; }

    /// The request in `payload`, or an Error whose code is one of the malformed kinds and whose
    /// message says what is wrong ("label 12 outside [0, 10)", "not JSON: ...").
    Result<PredictionRequest> decode(const QByteArray &payload) const;

private:
    streams::RecordLayout m_layout;
    streams::JsonSampleReader m_fastPath;
};

/// What answered one request.
struct PredictionOutcome
{
    std::int64_t classIndex = 0;
    QString className; ///< empty when the model names no classes
    QString model;
    qint64 version = 0;
    /// When the prediction was made, milliseconds since the epoch.
    std::int64_t predictedAtMs = 0;
};

/// The prediction record published for one request, one JSON object:
///   {"request": {"topic", "partition", "offset", "key" (if any), "id" (if any),
///                "timestamp_ms"}, "label" (if the request had one), "class", "class_name",
///    "model", "version", "predicted_at" (ISO 8601, UTC, ms), "predicted_at_ms"}
QByteArray predictionRecord(const RequestOrigin &origin, const PredictionRequest &request,
                            const PredictionOutcome &outcome);

} // namespace millrace::serving

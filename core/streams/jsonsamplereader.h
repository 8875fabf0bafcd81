#pragma once

#include "core/streams/recordlayout.h"

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <cstdint>
#include <span>

namespace millrace::streams {

/// Reads a sample straight from the bytes of a JSON payload, for one RecordLayout, without
/// building a QJsonDocument: the drain's fast path for JSON topics (decoding through
/// QJsonObject costs several times more than the rest of a drain). It is deliberately
/// partial: it accepts only a JSON object it understood completely and that holds a valid
/// sample, and answers "not sure" for anything else (bad or unusual JSON, escapes or non-ASCII
/// text, a bad label, ...), where the caller takes the general path, the message codec and
/// RecordLayout::toSample, which decides and explains. Whatever it accepts, the general path
/// reads to the same features (bit for bit), label and id; tst_jsonsamplereader holds it to
/// that. Thread-safe (const).
class JsonSampleReader
{
public:
    /// What a payload held besides its features.
    struct Sample
    {
        std::int64_t classIndex = 0;
        float target = 0;
        /// The message id as UTF-8 (ASCII, in fact); empty when there is none. Points into the
        /// payload or into `idDigits`, so it lives as long as both.
        QByteArrayView id;
        char idDigits[24] = {};
    };

    explicit JsonSampleReader(const RecordLayout &layout);

    /// Reads `payload` into `features` (exactly the layout's featureCount() values) and
    /// `sample`. True when it is sure; false leaves `features` and `sample` in an unspecified
    /// state, and the general path must read the payload.
    bool read(QByteArrayView payload, std::span<float> features, Sample &sample) const;

private:
    RecordLayout m_layout;
    QByteArray m_featuresKey;
    QByteArray m_labelKey;
    QByteArray m_idKey;
    std::size_t m_featureCount = 0;
    std::array<float, 1000> m_smallScaled{};
};

} // namespace millrace::streams

#include "core/streams/jsonsamplereader.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace millrace::streams {

namespace {

// Qt reads at most this deep; far below it here, since a sample has no reason to nest.
constexpr int kMaxDepth = 32;

class Scanner
{
public:
    Scanner(const char *begin, const char *end) : m_p(begin), m_end(end) {}

    bool atEnd() const { return m_p == m_end; }

    void skipWhitespace()
    {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
            ++m_p;
    }

    bool consume(char c)
    {
        if (m_p == m_end || *m_p != c)
            return false;
        ++m_p;
        return true;
    }

    char peek() const { return m_p == m_end ? '\0' : *m_p; }

    // A string of printable ASCII without escapes, the only kind taken as is: anything else
    // (escapes, control characters, UTF-8 that Qt would validate) goes the general way.
    bool plainString(QByteArrayView &text)
    {
        if (!consume('"'))
            return false;
        const char *start = m_p;
        while (m_p != m_end) {
            const auto c = static_cast<unsigned char>(*m_p);
            if (c == '"') {
                text = QByteArrayView(start, m_p - start);
                ++m_p;
                return true;
            }
            if (c == '\\' || c < 0x20 || c >= 0x80)
                return false;
            ++m_p;
        }
        return false;
    }

    // A JSON number, checked against the JSON grammar (Qt refuses "01", "+1", ".5", "1.") and
    // converted as Qt converts it: integer literals that fit in 64 bits exactly, then to
    // double; others correctly rounded to double. Infinity (1e400) is left to the general
    // path. `integral` tells whether the literal had no fraction and no exponent.
    bool number(double &value, bool *integral = nullptr, std::int64_t *integer = nullptr)
    {
        const char *start = m_p;
        const bool negative = m_p != m_end && *m_p == '-';
        if (negative)
            ++m_p;
        if (m_p == m_end)
            return false;
        // Pixels are small integers: their value is gathered while the grammar is checked,
        // which spares from_chars a second pass over nearly every number of a drain.
        std::uint64_t whole = 0;
        int digitCount = 0;
        if (*m_p == '0') {
            ++m_p;
            digitCount = 1;
        } else if (*m_p >= '1' && *m_p <= '9') {
            while (m_p != m_end && *m_p >= '0' && *m_p <= '9') {
                whole = whole * 10 + std::uint64_t(*m_p - '0');
                ++digitCount;
                ++m_p;
            }
        } else {
            return false;
        }
        bool isIntegral = true;
        if (m_p != m_end && *m_p == '.') {
            ++m_p;
            if (!digits())
                return false;
            isIntegral = false;
        }
        if (m_p != m_end && (*m_p == 'e' || *m_p == 'E')) {
            ++m_p;
            if (m_p != m_end && (*m_p == '+' || *m_p == '-'))
                ++m_p;
            if (!digits())
                return false;
            isIntegral = false;
        }
        if (integral)
            *integral = false;
        if (isIntegral && digitCount <= 18) { // below 10^18: no overflow possible
            const std::int64_t signedWhole = negative ? -std::int64_t(whole) : std::int64_t(whole);
            value = double(signedWhole);
            if (integral)
                *integral = true;
            if (integer)
                *integer = signedWhole;
            return true;
        }
        if (isIntegral) {
            std::int64_t wide = 0;
            const auto [end, error] = std::from_chars(start, m_p, wide);
            if (error == std::errc() && end == m_p) {
                value = double(wide);
                if (integral)
                    *integral = true;
                if (integer)
                    *integer = wide;
                return true;
            }
        }
        const auto [end, error] = std::from_chars(start, m_p, value);
        if (error != std::errc() || end != m_p || !std::isfinite(value))
            return false; // overflow and underflow too, which Qt calls illegal numbers
        if (value == 0)
            value = 0.0; // Qt reads -0, -0.0 and -0e5 as plain 0
        return true;
    }

    // The common case of a pixel: an integer of one to three digits (no sign, no leading zero,
    // no fraction or exponent after it). Consumes it and returns true, or consumes nothing.
    bool smallInteger(unsigned &value)
    {
        const char *p = m_p;
        unsigned v = 0;
        int digitCount = 0;
        while (p != m_end && *p >= '0' && *p <= '9' && digitCount < 4) {
            v = v * 10 + unsigned(*p - '0');
            ++digitCount;
            ++p;
        }
        if (digitCount == 0 || digitCount > 3 || (digitCount > 1 && *m_p == '0'))
            return false;
        if (p != m_end && (*p == '.' || *p == 'e' || *p == 'E'))
            return false;
        m_p = p;
        value = v;
        return true;
    }

    // The run of pixels that makes up nearly all of an image: integers of one to three digits
    // (no sign, no leading zero), each followed at once by a comma. Writes at most `room` of
    // them to `out`, scaled by `scaled` (the table of integers below 1000), and returns how many
    // it consumed with their commas; it stops, consuming nothing of it, at anything else (the
    // last value, before ']', a space, a fraction, a fourth digit, ...), which smallInteger()
    // and number() then read. Why a loop of its own: smallInteger() followed by the array's
    // general "whitespace, ']' or ','" steps takes about twice the branches per pixel, and the
    // pixels are most of a drain's time.
    std::size_t smallIntegersThenCommas(float *out, std::size_t room, const float *scaled)
    {
        std::size_t taken = 0;
        while (taken < room && m_end - m_p >= 4) {
            const unsigned first = unsigned(static_cast<unsigned char>(m_p[0])) - '0';
            if (first > 9)
                break;
            if (m_p[1] == ',') {
                out[taken++] = scaled[first];
                m_p += 2;
                continue;
            }
            const unsigned second = unsigned(static_cast<unsigned char>(m_p[1])) - '0';
            if (second > 9 || first == 0)
                break;
            if (m_p[2] == ',') {
                out[taken++] = scaled[first * 10 + second];
                m_p += 3;
                continue;
            }
            const unsigned third = unsigned(static_cast<unsigned char>(m_p[2])) - '0';
            if (third > 9 || m_p[3] != ',')
                break;
            out[taken++] = scaled[first * 100 + second * 10 + third];
            m_p += 4;
        }
        return taken;
    }

    // Any value we do not need, checked well enough to be sure Qt would accept it too.
    bool skipValue(int depth)
    {
        if (depth > kMaxDepth)
            return false;
        switch (peek()) {
        case '"': {
            QByteArrayView ignored;
            return plainString(ignored);
        }
        case '{': {
            ++m_p;
            skipWhitespace();
            if (consume('}'))
                return true;
            for (;;) {
                QByteArrayView key;
                if (!plainString(key))
                    return false;
                skipWhitespace();
                if (!consume(':'))
                    return false;
                skipWhitespace();
                if (!skipValue(depth + 1))
                    return false;
                skipWhitespace();
                if (consume('}'))
                    return true;
                if (!consume(','))
                    return false;
                skipWhitespace();
            }
        }
        case '[': {
            ++m_p;
            skipWhitespace();
            if (consume(']'))
                return true;
            for (;;) {
                if (!skipValue(depth + 1))
                    return false;
                skipWhitespace();
                if (consume(']'))
                    return true;
                if (!consume(','))
                    return false;
                skipWhitespace();
            }
        }
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default: {
            double ignored = 0;
            return number(ignored);
        }
        }
    }

private:
    bool digits()
    {
        const char *start = m_p;
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
        return m_p != start;
    }

    bool literal(std::string_view word)
    {
        if (std::size_t(m_end - m_p) < word.size() || std::string_view(m_p, word.size()) != word)
            return false;
        m_p += word.size();
        return true;
    }

    const char *m_p;
    const char *m_end;
};

} // namespace

JsonSampleReader::JsonSampleReader(const RecordLayout &layout)
    : m_layout(layout), m_featuresKey(layout.featuresField.toUtf8()),
      m_labelKey(layout.labelField.toUtf8()), m_idKey(layout.idField.toUtf8()),
      m_featureCount(layout.featureCount())
{
    // Integers below 1000 (every 0-255 pixel) scaled once, by RecordLayout::toSample's own
    // expression, instead of per value.
    for (std::size_t value = 0; value < m_smallScaled.size(); ++value)
        m_smallScaled[value] = static_cast<float>(double(value) * m_layout.scale);
}

bool JsonSampleReader::read(QByteArrayView payload, std::span<float> features, Sample &sample) const
{
    if (features.size() != m_featureCount || m_featureCount == 0)
        return false;
    Scanner in(payload.data(), payload.data() + payload.size());
    bool seenFeatures = false;
    bool seenLabel = false;
    bool seenId = false;
    double label = 0;
    sample.id = {};

    in.skipWhitespace();
    if (!in.consume('{'))
        return false;
    in.skipWhitespace();
    if (in.consume('}'))
        return false; // no label, no features: the general path says which is missing
    for (;;) {
        QByteArrayView key;
        if (!in.plainString(key))
            return false;
        in.skipWhitespace();
        if (!in.consume(':'))
            return false;
        in.skipWhitespace();
        // A key seen twice: which one wins is the JSON parser's business, so leave it to it.
        if (key == QByteArrayView(m_featuresKey)) {
            if (seenFeatures || !in.consume('['))
                return false;
            seenFeatures = true;
            std::size_t count = 0;
            in.skipWhitespace();
            if (!in.consume(']')) {
                for (;;) {
                    if (const std::size_t taken = in.smallIntegersThenCommas(
                            features.data() + count, m_featureCount - count,
                            m_smallScaled.data())) {
                        count += taken;
                        in.skipWhitespace();
                        continue;
                    }
                    if (count == m_featureCount)
                        return false;
                    unsigned small = 0;
                    if (in.smallInteger(small)) {
                        features[count++] = m_smallScaled[small];
                    } else {
                        double value = 0;
                        if (!in.number(value))
                            return false;
                        // The same expression as RecordLayout::toSample: the same float.
                        const float scaled = static_cast<float>(value * m_layout.scale);
                        if (!std::isfinite(scaled))
                            return false;
                        features[count++] = scaled;
                    }
                    in.skipWhitespace();
                    if (in.consume(']'))
                        break;
                    if (!in.consume(','))
                        return false;
                    in.skipWhitespace();
                }
            }
            if (count != m_featureCount)
                return false;
        } else if (key == QByteArrayView(m_labelKey)) {
            if (seenLabel || !in.number(label))
                return false;
            seenLabel = true;
        } else if (!m_idKey.isEmpty() && key == QByteArrayView(m_idKey)) {
            if (seenId)
                return false;
            seenId = true;
            if (in.peek() == '"') {
                QByteArrayView id;
                if (!in.plainString(id))
                    return false;
                sample.id = id;
            } else {
                double value = 0;
                bool integral = false;
                std::int64_t integer = 0;
                // Integer literals that fit in 64 bits, as RecordLayout::idOf takes them;
                // anything else (null, fractions, 1e3) is its call.
                if (!in.number(value, &integral, &integer) || !integral)
                    return false;
                const auto [end, error] = std::to_chars(
                    sample.idDigits, sample.idDigits + sizeof sample.idDigits, integer);
                if (error != std::errc())
                    return false;
                sample.id = QByteArrayView(sample.idDigits, end - sample.idDigits);
            }
        } else if (!in.skipValue(0)) {
            return false;
        }
        in.skipWhitespace();
        if (in.consume('}'))
            break;
        if (!in.consume(','))
            return false;
        in.skipWhitespace();
    }
    in.skipWhitespace();
    if (!in.atEnd() || !seenFeatures || !seenLabel)
        return false;

    if (m_layout.task == ml::TaskKind::Classification) {
        if (label != std::floor(label) || label < 0 || label >= double(m_layout.classCount))
            return false;
        sample.classIndex = std::int64_t(label);
    } else {
        sample.target = static_cast<float>(label);
        if (!std::isfinite(sample.target))
            return false;
    }
    return true;
}

} // namespace millrace::streams

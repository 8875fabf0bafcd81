#include "core/serving/jsontree.h"

#include <QJsonArray>
#include <QJsonObject>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace millrace::serving {

namespace {

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The four hex digits of a \u escape at `p`, or -1.
int hexQuad(const char *p)
{
    int value = 0;
    for (int i = 0; i < 4; ++i) {
        const int digit = hexValue(p[i]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

// "line 1 column 13 (char 12)", as Python's JSONDecodeError places an error: counted in
// characters (the text is valid UTF-8 by then), not bytes.
QString position(QByteArrayView text, qsizetype offset)
{
    qsizetype line = 1;
    qsizetype characters = 0;
    qsizetype lineStart = 0; // in characters
    for (qsizetype i = 0; i < offset; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            continue; // a UTF-8 continuation byte
        ++characters;
        if (text[i] == '\n') {
            ++line;
            lineStart = characters;
        }
    }
    return u"line %1 column %2 (char %3)"_s.arg(line)
        .arg(characters - lineStart + 1)
        .arg(characters);
}

// Whether a decimal literal that std::from_chars found out of range is too small rather than
// too large: the power of ten of its first significant digit is negative.
bool underflows(QByteArrayView literal)
{
    qsizetype i = 0;
    if (i < literal.size() && literal[i] == '-')
        ++i;
    qint64 magnitude = 0;
    bool seenSignificant = false;
    bool afterPoint = false;
    for (; i < literal.size() && literal[i] != 'e' && literal[i] != 'E'; ++i) {
        const char c = literal[i];
        if (c == '.') {
            afterPoint = true;
            continue;
        }
        if (!seenSignificant && c != '0') {
            seenSignificant = true;
            if (afterPoint)
                --magnitude;
        } else if (!seenSignificant && afterPoint) {
            --magnitude;
        } else if (seenSignificant && !afterPoint) {
            ++magnitude;
        }
    }
    if (i < literal.size()) {
        ++i;
        bool negative = false;
        if (i < literal.size() && (literal[i] == '+' || literal[i] == '-'))
            negative = literal[i++] == '-';
        qint64 exponent = 0;
        for (; i < literal.size() && exponent < 1'000'000'000; ++i)
            exponent = exponent * 10 + (literal[i] - '0');
        magnitude += negative ? -exponent : exponent;
    }
    return magnitude < 0;
}

} // namespace

// Recursive descent over the text, appending nodes; stops at the first error.
class JsonTree::Parser
{
public:
    Parser(QByteArrayView text, std::vector<JsonTree::Node> &nodes)
        : m_text(text), m_begin(text.data()), m_p(text.data()), m_end(text.data() + text.size()),
          m_nodes(nodes)
    {
    }

    bool parseDocument()
    {
        skipWhitespace();
        if (!value(0))
            return false;
        skipWhitespace();
        if (m_p != m_end)
            return fail("Extra data", m_p);
        return true;
    }

    QString error() const { return m_error; }

private:
    QByteArrayView m_text;
    const char *m_begin;
    const char *m_p;
    const char *m_end;
    std::vector<JsonTree::Node> &m_nodes;
    QString m_error;

    bool fail(const char *what, const char *at)
    {
        m_error = QLatin1StringView(what) + u": "_s + position(m_text, at - m_begin);
        return false;
    }

    void skipWhitespace()
    {
        while (m_p != m_end && isWhitespace(*m_p))
            ++m_p;
    }

    bool startsWith(const char *word) const
    {
        const auto length = qsizetype(std::strlen(word));
        return m_end - m_p >= length && std::memcmp(m_p, word, std::size_t(length)) == 0;
    }

    quint32 offset(const char *p) const { return quint32(p - m_begin); }

    void push(JsonTree::Kind kind, const char *begin, qsizetype size, bool special = false,
              bool integral = false)
    {
        JsonTree::Node node;
        node.kind = kind;
        node.special = special;
        node.integral = integral;
        node.begin = offset(begin);
        node.size = quint32(size);
        node.end = quint32(m_nodes.size() + 1);
        m_nodes.push_back(node);
    }

    bool value(int depth)
    {
        if (m_p == m_end)
            return fail("Expecting value", m_p);
        switch (*m_p) {
        case '"':
            return string();
        case '{':
            return object(depth + 1);
        case '[':
            return array(depth + 1);
        case 'n':
            return literal("null", JsonTree::Kind::Null);
        case 't':
            return literal("true", JsonTree::Kind::True);
        case 'f':
            return literal("false", JsonTree::Kind::False);
        case 'N':
            return special("NaN");
        case 'I':
            return special("Infinity");
        case '-':
            if (startsWith("-Infinity"))
                return special("-Infinity");
            return number();
        default:
            if (isDigit(*m_p))
                return number();
            return fail("Expecting value", m_p);
        }
    }

    bool literal(const char *word, JsonTree::Kind kind)
    {
        if (!startsWith(word))
            return fail("Expecting value", m_p);
        push(kind, m_p, qsizetype(std::strlen(word)));
        m_p += std::strlen(word);
        return true;
    }

    bool special(const char *word)
    {
        if (!startsWith(word))
            return fail("Expecting value", m_p);
        push(JsonTree::Kind::Number, m_p, qsizetype(std::strlen(word)), true);
        m_p += std::strlen(word);
        return true;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, the longest such prefix, as Python's
    // scanner takes it: "01" reads as 0 followed by stray text.
    bool number()
    {
        const char *start = m_p;
        if (*m_p == '-')
            ++m_p;
        if (m_p == m_end || !isDigit(*m_p))
            return fail("Expecting value", start);
        if (*m_p == '0') {
            ++m_p;
        } else {
            while (m_p != m_end && isDigit(*m_p))
                ++m_p;
        }
        bool integral = true;
        if (m_end - m_p >= 2 && m_p[0] == '.' && isDigit(m_p[1])) {
            integral = false;
            m_p += 2;
            while (m_p != m_end && isDigit(*m_p))
                ++m_p;
        }
        if (m_p != m_end && (*m_p == 'e' || *m_p == 'E')) {
            const char *exponent = m_p + 1;
            if (exponent != m_end && (*exponent == '+' || *exponent == '-'))
                ++exponent;
            if (exponent != m_end && isDigit(*exponent)) {
                integral = false;
                m_p = exponent;
                while (m_p != m_end && isDigit(*m_p))
                    ++m_p;
            }
        }
        push(JsonTree::Kind::Number, start, m_p - start, false, integral);
        return true;
    }

    bool string()
    {
        const char *quote = m_p;
        const char *content = ++m_p;
        bool escaped = false;
        while (true) {
            while (m_p != m_end && *m_p != '"' && *m_p != '\\'
                   && static_cast<unsigned char>(*m_p) >= 0x20)
                ++m_p;
            if (m_p == m_end)
                return fail("Unterminated string starting at", quote);
            if (*m_p == '"')
                break;
            if (*m_p != '\\')
                return fail("Invalid control character at", m_p);
            escaped = true;
            if (m_end - m_p < 2)
                return fail("Unterminated string starting at", quote);
            const char next = m_p[1];
            if (next == 'u') {
                if (m_end - m_p < 6 || hexQuad(m_p + 2) < 0)
                    return fail("Invalid \\uXXXX escape", m_p + 1); // at the 'u', as Python
                m_p += 6;
            } else if (std::strchr("\"\\/bfnrt", next) != nullptr && next != '\0') {
                m_p += 2;
            } else {
                return fail("Invalid \\escape", m_p);
            }
        }
        push(JsonTree::Kind::String, content, m_p - content, escaped);
        ++m_p;
        return true;
    }

    bool array(int depth)
    {
        if (depth > JsonTree::kMaxDepth)
            return fail("Nested too deeply", m_p);
        const std::size_t index = m_nodes.size();
        push(JsonTree::Kind::Array, m_p, 0);
        ++m_p;
        skipWhitespace();
        quint32 count = 0;
        if (m_p != m_end && *m_p == ']') {
            ++m_p;
        } else {
            while (true) {
                if (!value(depth))
                    return false;
                ++count;
                skipWhitespace();
                if (m_p != m_end && *m_p == ',') {
                    ++m_p;
                    skipWhitespace();
                    continue;
                }
                if (m_p != m_end && *m_p == ']') {
                    ++m_p;
                    break;
                }
                return fail("Expecting ',' delimiter", m_p);
            }
        }
        m_nodes[index].size = count;
        m_nodes[index].end = quint32(m_nodes.size());
        return true;
    }

    bool object(int depth)
    {
        if (depth > JsonTree::kMaxDepth)
            return fail("Nested too deeply", m_p);
        const std::size_t index = m_nodes.size();
        push(JsonTree::Kind::Object, m_p, 0);
        ++m_p;
        skipWhitespace();
        quint32 count = 0;
        if (m_p != m_end && *m_p == '}') {
            ++m_p;
        } else {
            while (true) {
                if (m_p == m_end || *m_p != '"')
                    return fail("Expecting property name enclosed in double quotes", m_p);
                if (!string())
                    return false;
                skipWhitespace();
                if (m_p == m_end || *m_p != ':')
                    return fail("Expecting ':' delimiter", m_p);
                ++m_p;
                skipWhitespace();
                if (!value(depth))
                    return false;
                ++count;
                skipWhitespace();
                if (m_p != m_end && *m_p == ',') {
                    ++m_p;
                    skipWhitespace();
                    continue;
                }
                if (m_p != m_end && *m_p == '}') {
                    ++m_p;
                    break;
                }
                return fail("Expecting ',' delimiter", m_p);
            }
        }
        m_nodes[index].size = count;
        m_nodes[index].end = quint32(m_nodes.size());
        return true;
    }
};

Result<JsonTree> JsonTree::parse(QByteArrayView text)
{
    text = withoutByteOrderMark(text);
    if (text.size() > kMaxSize)
        return fail(u"the text is larger than 2 GiB"_s);
    if (const QString problem = utf8Problem(text); !problem.isEmpty())
        return fail(problem);
    JsonTree tree;
    tree.m_text = text;
    // About one node per number of a request's typical numbers ("0.5, " or "255,"): few
    // reallocations, and no more than twice the text's size reserved.
    tree.m_nodes.reserve(std::size_t(text.size() / 8 + 1));
    Parser parser(text, tree.m_nodes);
    if (!parser.parseDocument())
        return fail(parser.error());
    return tree;
}

QByteArrayView JsonTree::text(qsizetype index) const
{
    const Node &n = node(index);
    return m_text.sliced(n.begin, n.size);
}

QString JsonTree::string(qsizetype index) const
{
    const QByteArrayView raw = text(index);
    if (!node(index).special)
        return QString::fromUtf8(raw);
    QString decoded;
    decoded.reserve(raw.size());
    qsizetype runStart = 0;
    qsizetype i = 0;
    while (i < raw.size()) {
        if (raw[i] != '\\') {
            ++i;
            continue;
        }
        decoded += QString::fromUtf8(raw.sliced(runStart, i - runStart));
        const char escape = raw[i + 1];
        switch (escape) {
        case 'b':
            decoded += u'\b';
            break;
        case 'f':
            decoded += u'\f';
            break;
        case 'n':
            decoded += u'\n';
            break;
        case 'r':
            decoded += u'\r';
            break;
        case 't':
            decoded += u'\t';
            break;
        case 'u':
            // Surrogate pairs arrive as two escapes in a row, and read back as one code point
            // from the two UTF-16 units; a lone surrogate stays a lone unit, as in Python.
            decoded += QChar(char16_t(hexQuad(raw.data() + i + 2)));
            i += 4;
            break;
        default: // '"', '\\', '/'
            decoded += QLatin1Char(escape);
            break;
        }
        i += 2;
        runStart = i;
    }
    decoded += QString::fromUtf8(raw.sliced(runStart));
    return decoded;
}

qsizetype JsonTree::member(qsizetype object, QByteArrayView key) const
{
    qsizetype found = -1;
    const Node &parent = node(object);
    qsizetype child = object + 1;
    for (quint32 i = 0; i < parent.size; ++i) {
        const qsizetype value = child + 1;
        const bool matches =
            node(child).special ? string(child) == QString::fromUtf8(key) : text(child) == key;
        if (matches)
            found = value;
        child = node(value).end;
    }
    return found;
}

bool JsonTree::toDouble(qsizetype index, double &value) const
{
    const QByteArrayView literal = text(index);
    const Node &n = node(index);
    if (n.special) {
        if (literal == "NaN")
            value = std::numeric_limits<double>::quiet_NaN();
        else
            value = literal.startsWith('-') ? -std::numeric_limits<double>::infinity()
                                            : std::numeric_limits<double>::infinity();
        return true;
    }
    const char *first = literal.data();
    const char *last = first + literal.size();
    if (n.integral && literal.size() <= 16) {
        // Pixels and counts: at most 15 digits, exact in a double, summed here in a fraction of
        // what std::from_chars takes.
        const bool negative = *first == '-';
        qint64 whole = 0;
        for (const char *p = negative ? first + 1 : first; p != last; ++p)
            whole = whole * 10 + (*p - '0');
        value = negative ? -double(whole) : double(whole);
        return true;
    }
    const auto [end, error] = std::from_chars(first, last, value);
    if (error == std::errc::result_out_of_range) {
        const bool negative = literal.startsWith('-');
        if (underflows(literal))
            value = negative ? -0.0 : 0.0;
        else
            value = negative ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity();
        return true;
    }
    return error == std::errc() && end == last;
}

QJsonValue JsonTree::toJsonValue(qsizetype index) const
{
    const Node &n = node(index);
    switch (n.kind) {
    case Kind::Null:
        return QJsonValue::Null;
    case Kind::False:
        return false;
    case Kind::True:
        return true;
    case Kind::Number: {
        const QByteArrayView literal = text(index);
        if (n.integral) {
            qint64 integer = 0;
            const auto [end, error] =
                std::from_chars(literal.data(), literal.data() + literal.size(), integer);
            if (error == std::errc())
                return integer;
        }
        double value = 0;
        toDouble(index, value);
        return value;
    }
    case Kind::String:
        return string(index);
    case Kind::Array: {
        QJsonArray array;
        for (qsizetype child = index + 1; child < qsizetype(n.end); child = node(child).end)
            array.append(toJsonValue(child));
        return array;
    }
    case Kind::Object: {
        QJsonObject object;
        for (qsizetype child = index + 1; child < qsizetype(n.end);) {
            const qsizetype value = child + 1;
            object.insert(string(child), toJsonValue(value));
            child = node(value).end;
        }
        return object;
    }
    }
    return QJsonValue::Undefined;
}

QString JsonTree::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Null:
        return u"null"_s;
    case Kind::False:
    case Kind::True:
        return u"boolean"_s;
    case Kind::Number:
        return u"number"_s;
    case Kind::String:
        return u"string"_s;
    case Kind::Array:
        return u"list"_s;
    case Kind::Object:
        return u"dictionary"_s;
    }
    return QString();
}

QString utf8Problem(QByteArrayView text)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(text.data());
    const qsizetype size = text.size();
    qsizetype i = 0;
    while (i < size) {
        // Eight ASCII bytes at a time: nearly all of a request.
        if (size - i >= 8) {
            quint64 word;
            std::memcpy(&word, bytes + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char lead = bytes[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        unsigned char low = 0x80;  // the second byte's range, narrowed against overlong forms,
        unsigned char high = 0xBF; // surrogates and code points above U+10FFFF
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0)
                low = 0xA0;
            else if (lead == 0xED)
                high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0)
                low = 0x90;
            else if (lead == 0xF4)
                high = 0x8F;
        } else {
            return u"'utf-8' codec can't decode byte 0x%1 in position %2: invalid start byte"_s
                .arg(lead, 2, 16, QLatin1Char('0'))
                .arg(i);
        }
        int valid = 1;
        for (; valid < length && i + valid < size; ++valid) {
            const unsigned char c = bytes[i + valid];
            const unsigned char min = valid == 1 ? low : 0x80;
            const unsigned char max = valid == 1 ? high : 0xBF;
            if (c < min || c > max)
                break;
        }
        if (valid < length) {
            const bool atEnd = i + valid == size;
            const QString reason =
                atEnd ? u"unexpected end of data"_s : u"invalid continuation byte"_s;
            if (valid == 1)
                return u"'utf-8' codec can't decode byte 0x%1 in position %2: %3"_s
                    .arg(lead, 2, 16, QLatin1Char('0'))
                    .arg(i)
                    .arg(reason);
            return u"'utf-8' codec can't decode bytes in position %1-%2: %3"_s.arg(i)
                .arg(i + valid - 1)
                .arg(reason);
        }
        i += length;
    }
    return QString();
}

QByteArrayView withoutByteOrderMark(QByteArrayView text)
{
    if (text.startsWith("\xEF\xBB\xBF"))
        return text.sliced(3);
    return text;
}

} // namespace millrace::serving

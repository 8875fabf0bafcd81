#include "core/streams/messagefilter.h"

#include "core/streams/kafkahandles.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace millrace::streams {

namespace {

Error invalid(qsizetype index, const QString &what)
{
    return fail(QString::fromLatin1(errorcode::kInvalidArgument),
                QStringLiteral("Invalid filter at column %1: %2").arg(index + 1).arg(what));
}

bool isPathStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_') || c == QLatin1Char('$') || c == QLatin1Char('@');
}

bool isPathChar(QChar c)
{
    return isPathStart(c) || c.isDigit() || c == QLatin1Char('-') || c == QLatin1Char('.');
}

bool isOperatorStart(QChar c)
{
    return c == QLatin1Char('=') || c == QLatin1Char('!') || c == QLatin1Char('<')
           || c == QLatin1Char('>');
}

qsizetype skipSpaces(const QString &text, qsizetype i)
{
    while (i < text.size() && text.at(i).isSpace())
        ++i;
    return i;
}

// The index just past the JSON string starting at `start` (a double quote). Escapes are checked
// here because Qt's parser lets unknown ones through ("\q" reads as "q").
Result<qsizetype> scanString(const QString &text, qsizetype start, const QString &what)
{
    static const QString simpleEscapes = QStringLiteral("\"\\/bfnrt");
    for (qsizetype i = start + 1; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('"'))
            return i + 1;
        if (c.unicode() < 0x20)
            return invalid(i,
                           QStringLiteral("a control character in %1 must be escaped").arg(what));
        if (c != QLatin1Char('\\'))
            continue;
        if (i + 1 == text.size())
            break;
        const QChar escaped = text.at(i + 1);
        if (escaped == QLatin1Char('u')) {
            bool hex = i + 5 < text.size();
            for (qsizetype k = i + 2; hex && k <= i + 5; ++k) {
                const char16_t digit = text.at(k).unicode();
                hex = (digit >= u'0' && digit <= u'9') || (digit >= u'a' && digit <= u'f')
                      || (digit >= u'A' && digit <= u'F');
            }
            if (!hex)
                return invalid(i, QStringLiteral("'\\u' needs four hex digits"));
            i += 5;
        } else if (simpleEscapes.contains(escaped)) {
            ++i;
        } else {
            return invalid(i, QStringLiteral("'\\%1' is not a JSON escape").arg(escaped));
        }
    }
    return invalid(start, QStringLiteral("%1 is not closed").arg(what));
}

// One JSON literal through Qt's parser, which only takes arrays and objects at the top.
std::optional<QJsonValue> parseLiteral(const QString &literal)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson('[' + literal.toUtf8() + ']', &error);
    if (error.error != QJsonParseError::NoError || document.array().size() != 1)
        return std::nullopt;
    return document.array().at(0);
}

// Only text shaped like `path op ...` is read as a predicate, so ordinary searches ("error:
// disk full", "2024-05-01") never fail to parse; text that looks like one but is meant literally
// can be quoted.
bool looksLikePredicate(const QString &text, qsizetype start)
{
    if (start >= text.size() || !isPathStart(text.at(start)))
        return false;
    qsizetype i = start;
    while (i < text.size() && isPathChar(text.at(i)))
        ++i;
    i = skipSpaces(text, i);
    if (i < text.size() && isOperatorStart(text.at(i)))
        return true;
    static const QRegularExpression containsWord(QStringLiteral("\\Gcontains(?=\\s|\"|$)"));
    return containsWord.match(text, i).hasMatch();
}

char lowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// Missing fields are QJsonValue::Undefined; they compare like null (see the header).
bool jsonEqual(const QJsonValue &a, const QJsonValue &b)
{
    const bool aNull = a.isNull() || a.isUndefined();
    const bool bNull = b.isNull() || b.isUndefined();
    if (aNull || bNull)
        return aNull && bNull;
    if (a.isDouble() && b.isDouble())
        return a.toDouble() == b.toDouble();
    if (a.isString() && b.isString())
        return a.toString() == b.toString();
    if (a.isBool() && b.isBool())
        return a.toBool() == b.toBool();
    return false;
}

// -1, 0 or 1, or nullopt when the two are not ordered (different types, null, objects).
std::optional<int> jsonCompare(const QJsonValue &a, const QJsonValue &b)
{
    if (a.isDouble() && b.isDouble()) {
        const double x = a.toDouble();
        const double y = b.toDouble();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.isString() && b.isString()) {
        const int order = a.toString().compare(b.toString());
        return order < 0 ? -1 : (order > 0 ? 1 : 0);
    }
    return std::nullopt;
}

} // namespace

Result<MessageFilter> MessageFilter::parse(const QString &text)
{
    MessageFilter filter;
    filter.m_source = text;
    const qsizetype start = skipSpaces(text, 0);
    if (start == text.size())
        return filter;

    qsizetype end = text.size();
    while (end > start && text.at(end - 1).isSpace())
        --end;

    if (text.at(start) == QLatin1Char('"')) {
        const Result<qsizetype> scanned =
            scanString(text, start, QStringLiteral("the quoted text"));
        if (!scanned)
            return scanned.error();
        const qsizetype close = *scanned;
        if (close != end)
            return invalid(skipSpaces(text, close),
                           QStringLiteral("unexpected text after the quoted text"));
        const std::optional<QJsonValue> decoded = parseLiteral(text.mid(start, close - start));
        if (!decoded)
            return invalid(start, QStringLiteral("the quoted text is not a JSON string"));
        filter.m_kind = Kind::Text;
        filter.m_searchText = decoded->toString();
    } else if (!looksLikePredicate(text, start)) {
        filter.m_kind = Kind::Text;
        filter.m_searchText = text.mid(start, end - start);
    } else {
        filter.m_kind = Kind::Predicate;
        // The path: dotted segments, none empty.
        qsizetype i = start;
        qsizetype segmentStart = i;
        while (true) {
            if (i == text.size() || !isPathChar(text.at(i)) || text.at(i) == QLatin1Char('.')) {
                if (i == segmentStart)
                    return invalid(i, QStringLiteral("a path segment is empty"));
                filter.m_path.append(text.mid(segmentStart, i - segmentStart));
                if (i < text.size() && text.at(i) == QLatin1Char('.')) {
                    segmentStart = ++i;
                    continue;
                }
                break;
            }
            ++i;
        }

        // The operator.
        i = skipSpaces(text, i);
        const qsizetype operatorAt = i;
        const QStringView rest = QStringView(text).mid(i);
        if (rest.startsWith(QLatin1String("=="))) {
            filter.m_operator = Operator::Equal;
            i += 2;
        } else if (rest.startsWith(QLatin1String("!="))) {
            filter.m_operator = Operator::NotEqual;
            i += 2;
        } else if (rest.startsWith(QLatin1String("<="))) {
            filter.m_operator = Operator::LessOrEqual;
            i += 2;
        } else if (rest.startsWith(QLatin1String(">="))) {
            filter.m_operator = Operator::GreaterOrEqual;
            i += 2;
        } else if (rest.startsWith(QLatin1Char('<'))) {
            filter.m_operator = Operator::Less;
            i += 1;
        } else if (rest.startsWith(QLatin1Char('>'))) {
            filter.m_operator = Operator::Greater;
            i += 1;
        } else if (rest.startsWith(QLatin1String("contains"))) {
            filter.m_operator = Operator::Contains;
            i += 8;
        } else if (rest.startsWith(QLatin1Char('='))) {
            return invalid(operatorAt, QStringLiteral("'=' is not an operator; compare with '=='"));
        } else {
            return invalid(operatorAt,
                           QStringLiteral("expected an operator (==, !=, <, <=, >, >=, contains)"));
        }
        if (i < text.size() && isOperatorStart(text.at(i)))
            return invalid(operatorAt, QStringLiteral("unknown operator '%1'")
                                           .arg(text.mid(operatorAt, i - operatorAt + 1)));
        const QString operatorText = text.mid(operatorAt, i - operatorAt);

        // The literal.
        i = skipSpaces(text, i);
        const qsizetype literalAt = i;
        if (i == text.size()) {
            return invalid(i, QStringLiteral("expected a JSON value (a number, a \"string\", "
                                             "true, false or null)"));
        }
        qsizetype literalEnd = i;
        if (text.at(i) == QLatin1Char('"')) {
            const Result<qsizetype> scanned = scanString(text, i, QStringLiteral("the string"));
            if (!scanned)
                return scanned.error();
            literalEnd = *scanned;
        } else {
            while (literalEnd < text.size() && !text.at(literalEnd).isSpace())
                ++literalEnd;
        }
        const QString literal = text.mid(literalAt, literalEnd - literalAt);
        static const QRegularExpression number(
            QStringLiteral("\\A-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?\\z"));
        const bool isWord = literal == QLatin1String("true") || literal == QLatin1String("false")
                            || literal == QLatin1String("null");
        const QChar first = literal.at(0);
        if (first == QLatin1Char('-') || first.isDigit()) {
            if (!number.match(literal).hasMatch())
                return invalid(literalAt, QStringLiteral("'%1' is not a JSON number").arg(literal));
        } else if (first != QLatin1Char('"') && !isWord) {
            return invalid(literalAt,
                           QStringLiteral("expected a JSON value (a number, a \"string\", true, "
                                          "false or null); to compare with text, quote it: "
                                          "\"%1\"")
                               .arg(literal));
        }
        const std::optional<QJsonValue> operand = parseLiteral(literal);
        if (!operand)
            return invalid(literalAt, QStringLiteral("'%1' is not a JSON value").arg(literal));
        filter.m_operand = *operand;
        const bool ordered = filter.m_operator == Operator::Less
                             || filter.m_operator == Operator::LessOrEqual
                             || filter.m_operator == Operator::Greater
                             || filter.m_operator == Operator::GreaterOrEqual;
        if (ordered && !operand->isDouble() && !operand->isString()) {
            return invalid(literalAt, QStringLiteral("'%1' compares numbers or strings, not %2")
                                          .arg(operatorText, literal));
        }

        i = skipSpaces(text, literalEnd);
        if (i < text.size())
            return invalid(i, QStringLiteral("unexpected text after the value"));
    }

    if (filter.m_kind == Kind::Text) {
        filter.m_needle = filter.m_searchText.toUtf8();
        for (char &c : filter.m_needle)
            c = lowerAscii(c);
    }
    return filter;
}

bool MessageFilter::matches(QByteArrayView key, QByteArrayView value) const
{
    switch (m_kind) {
    case Kind::All:
        return true;
    case Kind::Text:
        return matchesText(key) || matchesText(value);
    case Kind::Predicate:
        return matchesJson(value);
    }
    return false;
}

bool MessageFilter::matchesText(QByteArrayView haystack) const
{
    // Case folding on the bytes in place: ASCII letters only, so no UTF-8 decoding and no copy
    // of a message that does not match.
    const qsizetype n = m_needle.size();
    if (n == 0)
        return true;
    const char *data = haystack.data();
    const char first = m_needle.at(0);
    for (qsizetype i = 0; i + n <= haystack.size(); ++i) {
        if (lowerAscii(data[i]) != first)
            continue;
        qsizetype j = 1;
        while (j < n && lowerAscii(data[i + j]) == m_needle.at(j))
            ++j;
        if (j == n)
            return true;
    }
    return false;
}

bool MessageFilter::matchesJson(QByteArrayView value) const
{
    // Most non-JSON values are told apart by their first byte without running the parser.
    qsizetype start = 0;
    while (start < value.size()
           && (value.at(start) == ' ' || value.at(start) == '\t' || value.at(start) == '\r'
               || value.at(start) == '\n'))
        ++start;
    if (start == value.size() || (value.at(start) != '{' && value.at(start) != '['))
        return false;
    QJsonParseError error;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(value.data(), value.size()), &error);
    if (error.error != QJsonParseError::NoError)
        return false;

    QJsonValue current =
        document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
    for (const QString &segment : m_path) {
        if (current.isObject()) {
            current = current.toObject().value(segment);
        } else if (current.isArray()) {
            bool isIndex = false;
            const int index = segment.toInt(&isIndex);
            const QJsonArray array = current.toArray();
            current = isIndex && index >= 0 && index < array.size()
                          ? array.at(index)
                          : QJsonValue(QJsonValue::Undefined);
        } else {
            current = QJsonValue(QJsonValue::Undefined);
        }
        if (current.isUndefined())
            break;
    }

    switch (m_operator) {
    case Operator::Equal:
        return jsonEqual(current, m_operand);
    case Operator::NotEqual:
        return !jsonEqual(current, m_operand);
    case Operator::Less:
        return jsonCompare(current, m_operand) == -1;
    case Operator::LessOrEqual: {
        const std::optional<int> order = jsonCompare(current, m_operand);
        return order && *order <= 0;
    }
    case Operator::Greater:
        return jsonCompare(current, m_operand) == 1;
    case Operator::GreaterOrEqual: {
        const std::optional<int> order = jsonCompare(current, m_operand);
        return order && *order >= 0;
    }
    case Operator::Contains:
        if (current.isString() && m_operand.isString())
            return current.toString().contains(m_operand.toString());
        if (current.isArray()) {
            const QJsonArray array = current.toArray();
            for (const QJsonValue &element : array) {
                if (jsonEqual(element, m_operand))
                    return true;
            }
        }
        return false;
    }
    return false;
}

} // namespace millrace::streams

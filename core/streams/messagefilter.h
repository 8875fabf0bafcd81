#pragma once

#include "core/base/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace millrace::streams {

/// Which messages a browse shows, parsed from what a user types into the search box:
///
/// - nothing (or blanks): every message;
/// - plain text, such as `timeout` or `sensor 12`: messages whose key or value contains it,
///   ignoring the case of ASCII letters (`Shirt` finds `SHIRT`; other characters must match
///   exactly). Text in double quotes (`"a < b"`, JSON escapes allowed) is always plain text, so
///   anything that would read as a predicate can still be searched for;
/// - one JSON predicate on the value, `path operator literal`: `label == 3`,
///   `meta.source == "sim"`, `score >= 0.5`, `name contains "shirt"`, `id != null`,
///   `items.0.sku == "A1"`. The path is dotted object keys (a number indexes an array); the
///   operators are ==, !=, <, <=, >, >= and contains; the literal is a JSON number, "string",
///   true, false or null. Text counts as a predicate when it starts with a path followed by an
///   operator character (= ! < >) or the word `contains`.
///
/// Predicates only match values that are a JSON object or array; other values never match (no
/// error). A missing field counts as null, so `id != null` needs `id` present and not null,
/// and `x != 3` matches values without `x`. Numbers compare as numbers, strings as strings
/// (by UTF-16 code unit), other mixes are unequal and unordered. `contains` is a case-sensitive
/// substring test on a string field, or membership on an array field.
///
/// Cheap to copy; matches() is const and can be shared between threads.
class MessageFilter
{
public:
    enum class Kind { All, Text, Predicate };
    enum class Operator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Contains };

    /// A filter that matches every message.
    MessageFilter() = default;

    /// Parses `text` as described above. Fails with errorcode::kInvalidArgument and a message
    /// naming the 1-based column of the problem ("column 9: expected a JSON value ...").
    static Result<MessageFilter> parse(const QString &text);

    Kind kind() const { return m_kind; }
    /// The text it was parsed from.
    QString text() const { return m_source; }
    /// For Text: the text searched for (unquoted).
    QString searchText() const { return m_searchText; }
    /// For Predicate: the path segments, the operator and the literal.
    QStringList path() const { return m_path; }
    Operator op() const { return m_operator; }
    QJsonValue operand() const { return m_operand; }

    /// Whether a message with this key and value passes. Works on the bytes in place (for
    /// example librdkafka's buffers); a predicate parses the value as JSON.
    bool matches(QByteArrayView key, QByteArrayView value) const;

private:
    bool matchesText(QByteArrayView haystack) const;
    bool matchesJson(QByteArrayView value) const;

    Kind m_kind = Kind::All;
    QString m_source;
    QString m_searchText;
    /// The search text in UTF-8 with ASCII letters lowered, compared against lowered bytes.
    QByteArray m_needle;
    QStringList m_path;
    Operator m_operator = Operator::Equal;
    QJsonValue m_operand;
};

} // namespace millrace::streams

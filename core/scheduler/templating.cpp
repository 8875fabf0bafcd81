#include "core/scheduler/templating.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QList>
#include <QLocale>
#include <QRegularExpression>
#include <QStringList>

#include <cmath>
#include <optional>

namespace millrace::scheduler {

namespace {

// Where one `{{ ... }}` sits in a string: [begin, end) covers the braces, `inner` is between them.
struct Span
{
    qsizetype begin = 0;
    qsizetype end = 0;
    QString inner;
};

// Finds the templates in `text`. A `}}` inside a quoted string or inside the parentheses of
// default(...) does not close the template, so `default({"a": {"b": 1}})` works. A `{{` that is
// never closed is plain text, as it is in Jinja's lenient reading of stray braces.
QList<Span> findTemplates(const QString &text)
{
    QList<Span> spans;
    qsizetype from = 0;
    while (true) {
        const qsizetype open = text.indexOf(u"{{", from);
        if (open < 0)
            break;
        bool inString = false;
        int depth = 0;
        qsizetype close = -1;
        for (qsizetype i = open + 2; i < text.size(); ++i) {
            const QChar c = text.at(i);
            if (inString) {
                if (c == u'\\')
                    ++i;
                else if (c == u'"')
                    inString = false;
            } else if (c == u'"') {
                inString = true;
            } else if (c == u'(') {
                ++depth;
            } else if (c == u')') {
                depth = std::max(0, depth - 1);
            } else if (depth == 0 && c == u'}' && i + 1 < text.size() && text.at(i + 1) == u'}') {
                close = i;
                break;
            }
        }
        if (close < 0)
            break;
        spans.append(Span{open, close + 2, text.mid(open + 2, close - open - 2)});
        from = close + 2;
    }
    return spans;
}

// A parsed `{{ ... }}`: the dotted variable and the value default(...) gives when it is missing.
struct Expression
{
    QString variable;
    QStringList path;
    std::optional<QJsonValue> fallback;
};

Result<Expression> parseExpression(const QString &inner)
{
    static const QRegularExpression variablePattern(
        QStringLiteral(R"(^\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*(?:\|\s*(.*))?$)"),
        QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression defaultPattern(QStringLiteral(R"(^default\s*\((.*)\)\s*$)"),
                                                   QRegularExpression::DotMatchesEverythingOption);

    const auto match = variablePattern.match(inner);
    if (!match.hasMatch()) {
        return fail(QStringLiteral("only variable lookups such as {{ conf.batch_size }} are "
                                   "supported"));
    }
    Expression expression;
    expression.variable = match.captured(1);
    expression.path = expression.variable.split(u'.');
    if (match.hasCaptured(2)) {
        const auto filter = defaultPattern.match(match.captured(2).trimmed());
        if (!filter.hasMatch())
            return fail(QStringLiteral("the only filter is default(<JSON value>)"));
        // Wrapping the literal in an array lets QJsonDocument read bare numbers and strings.
        QJsonParseError error;
        const QJsonDocument literal =
            QJsonDocument::fromJson('[' + filter.captured(1).toUtf8() + ']', &error);
        if (error.error != QJsonParseError::NoError || literal.array().size() != 1) {
            return fail(QStringLiteral("default(%1) needs one JSON value, such as 5, \"text\", "
                                       "true or null")
                            .arg(filter.captured(1).trimmed()));
        }
        expression.fallback = literal.array().first();
    }
    return expression;
}

// Looks `path` up in `context`; on a miss, `missing` says how far the lookup got.
std::optional<QJsonValue> lookUp(const QStringList &path, const QJsonObject &context,
                                 QString &missing)
{
    QJsonValue current = context;
    QStringList walked;
    for (const QString &segment : path) {
        if (current.isObject() && current.toObject().contains(segment)) {
            current = current.toObject().value(segment);
        } else if (current.isArray()) {
            bool isIndex = false;
            const int index = segment.toInt(&isIndex);
            if (!isIndex || index < 0 || index >= current.toArray().size()) {
                missing = QStringLiteral("%1 has no element %2").arg(walked.join(u'.'), segment);
                return std::nullopt;
            }
            current = current.toArray().at(index);
        } else {
            missing = walked.isEmpty()
                          ? QString()
                          : QStringLiteral("%1 has no \"%2\"").arg(walked.join(u'.'), segment);
            return std::nullopt;
        }
        walked.append(segment);
    }
    return current;
}

// The text a value stands for inside a longer string: integers without ".0", containers as
// compact JSON, so a shell command reads `--batch 500`, not `--batch 500.0`.
QString toText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (std::trunc(number) == number && std::abs(number) < 9.0e18)
            return QString::number(value.toInteger(qint64(number)));
        return QString::number(number, 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QStringLiteral("null");
    }
    return QString();
}

// The message of a failed template, naming the string it was in and where that string sits.
Error templateError(const QString &text, const QString &where, const QString &reason)
{
    QString message = QStringLiteral("in \"%1\"").arg(text);
    if (!where.isEmpty())
        message += QStringLiteral(" (at %1)").arg(where);
    return fail(message + QStringLiteral(": ") + reason);
}

Result<QJsonValue> renderString(const QString &text, const QJsonObject &context,
                                const QString &where)
{
    const QList<Span> spans = findTemplates(text);
    if (spans.isEmpty())
        return QJsonValue(text);

    QList<QJsonValue> values;
    for (const Span &span : spans) {
        const Result<Expression> expression = parseExpression(span.inner);
        if (!expression) {
            return templateError(
                text, where,
                QStringLiteral("{{%1}}: %2").arg(span.inner, expression.errorMessage()));
        }
        QString missing;
        std::optional<QJsonValue> value = lookUp(expression->path, context, missing);
        if (!value && expression->fallback)
            value = expression->fallback;
        if (!value) {
            QString reason = QStringLiteral("\"%1\" is not defined").arg(expression->variable);
            if (!missing.isEmpty())
                reason += QStringLiteral(" (%1)").arg(missing);
            return templateError(text, where, reason);
        }
        values.append(*value);
    }

    // A lone template keeps the value's JSON type, so `batch: "{{ conf.batch }}"` gives a number.
    if (spans.size() == 1 && spans.first().begin == 0 && spans.first().end == text.size())
        return values.first();

    QString rendered;
    qsizetype from = 0;
    for (qsizetype i = 0; i < spans.size(); ++i) {
        rendered += QStringView(text).mid(from, spans.at(i).begin - from);
        rendered += toText(values.at(i));
        from = spans.at(i).end;
    }
    rendered += QStringView(text).mid(from);
    return QJsonValue(rendered);
}

Result<QJsonValue> render(const QJsonValue &value, const QJsonObject &context, const QString &where)
{
    if (value.isString())
        return renderString(value.toString(), context, where);
    if (value.isArray()) {
        QJsonArray rendered;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            Result<QJsonValue> item =
                render(array.at(i), context, where + QStringLiteral("[%1]").arg(i));
            if (!item)
                return item.error();
            rendered.append(*item);
        }
        return QJsonValue(rendered);
    }
    if (value.isObject()) {
        QJsonObject rendered;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString path = where.isEmpty() ? it.key() : where + u'.' + it.key();
            Result<QJsonValue> item = render(it.value(), context, path);
            if (!item)
                return item.error();
            rendered.insert(it.key(), *item);
        }
        return QJsonValue(rendered);
    }
    return value;
}

} // namespace

Result<QJsonValue> renderTemplates(const QJsonValue &value, const QJsonObject &context)
{
    return render(value, context, QString());
}

bool hasTemplate(const QString &text)
{
    return !findTemplates(text).isEmpty();
}

} // namespace millrace::scheduler

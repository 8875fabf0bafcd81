#include "ui/panels/experiments/filtercompletion.h"

namespace millrace::ui {

namespace {

// Characters the search syntax allows in an unquoted name (see core/tracking/searchfilter.cpp).
bool isNameChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('-')
           || c == QLatin1Char('/') || c == QLatin1Char(':');
}

bool isPlainName(const QString &key)
{
    if (key.isEmpty() || !(key.at(0).isLetter() || key.at(0) == QLatin1Char('_')))
        return false;
    // Dots are fine too: the parser reads tags.mlflow.runName as the tag mlflow.runName.
    for (qsizetype i = 0; i < key.size(); ++i) {
        const QChar c = key.at(i);
        if (c == QLatin1Char('.')) {
            if (i + 1 >= key.size() || !(key.at(i + 1).isLetter() || key.at(i + 1) == u'_'))
                return false;
        } else if (!isNameChar(c)) {
            return false;
        }
    }
    return true;
}

} // namespace

QStringList runAttributeNames()
{
    return {QStringLiteral("run_name"),     QStringLiteral("status"),
            QStringLiteral("start_time"),   QStringLiteral("end_time"),
            QStringLiteral("user_id"),      QStringLiteral("run_id"),
            QStringLiteral("artifact_uri"), QStringLiteral("lifecycle_stage")};
}

QString filterKey(const QString &key)
{
    if (isPlainName(key))
        return key;
    if (!key.contains(QLatin1Char('`')))
        return QLatin1Char('`') + key + QLatin1Char('`');
    if (!key.contains(QLatin1Char('"')))
        return QLatin1Char('"') + key + QLatin1Char('"');
    return QString();
}

QStringList filterCompletions(const QStringList &paramKeys, const QStringList &metricKeys,
                              const QStringList &tagKeys)
{
    QStringList words;
    auto add = [&words](const QString &prefix, const QStringList &keys) {
        for (const QString &key : keys) {
            const QString written = filterKey(key);
            if (!written.isEmpty())
                words.append(prefix + written);
        }
    };
    add(QStringLiteral("metrics."), metricKeys);
    add(QStringLiteral("params."), paramKeys);
    add(QStringLiteral("tags."), tagKeys);
    const QStringList attributes = runAttributeNames();
    words.append(attributes);
    for (const QString &name : attributes)
        words.append(QStringLiteral("attributes.") + name);
    return words;
}

int completionStart(const QString &text, int cursor)
{
    cursor = qBound(0, cursor, int(text.size()));
    // Inside a 'quoted value' (a doubled quote is a quote within it) or a "double-quoted" one there
    // is nothing to complete. Inside a `quoted name` (or a "double-quoted" one right after a
    // dot), the name starts before its opening quote.
    bool inValue = false;
    int openName = -1;
    QChar nameQuote;
    bool valueQuote = false; // the open quote holds a value, not a name
    for (int i = 0; i < cursor; ++i) {
        const QChar c = text.at(i);
        if (openName >= 0) {
            if (c == nameQuote)
                openName = -1;
            continue;
        }
        if (c == QLatin1Char('\'')) {
            inValue = !inValue;
        } else if (!inValue && c == QLatin1Char('"') && (i == 0 || text.at(i - 1) != u'.')) {
            openName = i;
            nameQuote = c;
            valueQuote = true;
        } else if (!inValue && (c == QLatin1Char('`') || c == QLatin1Char('"'))) {
            openName = i;
            nameQuote = c;
            valueQuote = false;
        }
    }
    if (inValue || (openName >= 0 && valueQuote))
        return -1;
    int start = openName >= 0 ? openName : cursor;
    while (start > 0 && (isNameChar(text.at(start - 1)) || text.at(start - 1) == QLatin1Char('.')))
        --start;
    if (start == cursor)
        return -1;
    const QChar first = text.at(start);
    if (first.isDigit() || first == QLatin1Char('.') || first == QLatin1Char('-'))
        return -1;
    return start;
}

} // namespace millrace::ui

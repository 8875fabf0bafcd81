#pragma once

#include <QString>
#include <QStringList>

namespace millrace::ui {

/// The run attributes the search syntax knows (run_name, status, start_time, ...).
QStringList runAttributeNames();

/// How `key` is written after `metrics.`, `params.` or `tags.` in a filter: as it is when the
/// syntax reads it as a name, else quoted with backticks (or double quotes when it holds a
/// backtick). Empty when it cannot be written at all.
QString filterKey(const QString &key);

/// What the filter box offers to complete: `metrics.<key>`, `params.<key>` and `tags.<key>` for
/// the given keys, then the attributes, both bare and as `attributes.<name>`.
QStringList filterCompletions(const QStringList &paramKeys, const QStringList &metricKeys,
                              const QStringList &tagKeys);

/// Where the name being typed at `cursor` in `text` begins, or -1 when there is nothing to
/// complete there: no name under the cursor, a number, or inside a 'quoted value'.
int completionStart(const QString &text, int cursor);

} // namespace millrace::ui

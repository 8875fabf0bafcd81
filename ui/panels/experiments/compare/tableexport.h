#pragma once

#include "core/base/result.h"

#include <QList>
#include <QString>
#include <QStringList>

class QAbstractItemModel;

namespace millrace::ui {

/// Rows as CSV text (RFC 4180: quotes doubled, fields with comma/quote/newline quoted, CRLF line
/// ends, including after the last row).
QString toCsv(const QList<QStringList> &rows);

/// The model's header row (horizontal header; when `withVerticalHeader`, a first column of
/// vertical header titles with an empty corner) and DisplayRole cells of visible rows (the
/// model's top-level rows; pass the proxy a view shows to export what it shows).
QList<QStringList> modelRows(const QAbstractItemModel &model, bool withVerticalHeader);

/// Writes `rows` as CSV (UTF-8) through QSaveFile so a failed write never leaves a half file;
/// fails with a message naming the path.
Result<void> writeCsv(const QString &path, const QList<QStringList> &rows);

} // namespace millrace::ui

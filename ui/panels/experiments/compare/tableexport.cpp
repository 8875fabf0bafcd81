#include "ui/panels/experiments/compare/tableexport.h"

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QDir>
#include <QSaveFile>

namespace millrace::ui {

namespace {

QString csvField(const QString &field)
{
    // A carriage return alone also breaks a record in most readers, so it is quoted too.
    const bool needsQuotes = field.contains(QLatin1Char(',')) || field.contains(QLatin1Char('"'))
                             || field.contains(QLatin1Char('\n'))
                             || field.contains(QLatin1Char('\r'));
    if (!needsQuotes)
        return field;
    QString quoted = field;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString tr(const char *text)
{
    return QCoreApplication::translate("millrace::ui::TableExport", text);
}

} // namespace

QString toCsv(const QList<QStringList> &rows)
{
    QString csv;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (i > 0)
                csv += QLatin1Char(',');
            csv += csvField(row.at(i));
        }
        csv += QLatin1String("\r\n");
    }
    return csv;
}

QList<QStringList> modelRows(const QAbstractItemModel &model, bool withVerticalHeader)
{
    QList<QStringList> rows;
    const int columns = model.columnCount();
    const int rowCount = model.rowCount();
    rows.reserve(rowCount + 1);

    QStringList header;
    if (withVerticalHeader)
        header.append(QString());
    for (int column = 0; column < columns; ++column)
        header.append(model.headerData(column, Qt::Horizontal, Qt::DisplayRole).toString());
    rows.append(header);

    for (int row = 0; row < rowCount; ++row) {
        QStringList cells;
        cells.reserve(columns + 1);
        if (withVerticalHeader)
            cells.append(model.headerData(row, Qt::Vertical, Qt::DisplayRole).toString());
        for (int column = 0; column < columns; ++column)
            cells.append(model.index(row, column).data(Qt::DisplayRole).toString());
        rows.append(cells);
    }
    return rows;
}

Result<void> writeCsv(const QString &path, const QList<QStringList> &rows)
{
    const QString shownPath = QDir::toNativeSeparators(path);
    // QSaveFile writes to a temporary file next to the target and renames it on commit, so a
    // full disk or a cancelled write leaves the old file (or nothing), never half a table.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(tr("Could not write %1: %2").arg(shownPath, file.errorString()));
    const QByteArray bytes = toCsv(rows).toUtf8();
    if (file.write(bytes) != bytes.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(tr("Could not write %1: %2").arg(shownPath, reason));
    }
    if (!file.commit())
        return fail(tr("Could not save %1: %2").arg(shownPath, file.errorString()));
    return {};
}

} // namespace millrace::ui

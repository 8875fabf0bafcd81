#include "ui/panels/experiments/keyvaluemodel.h"

#include "ui/panels/experiments/keyedrows.h"

namespace millrace::ui {

namespace {
// Param and tag values can be long; a cell shows the first line, the tooltip up to this much.
constexpr int kMaxCellText = 300;
constexpr int kMaxToolTipText = 2000;
} // namespace

KeyValueModel::KeyValueModel(const QStringList &headers, QObject *parent)
    : KeyedTableModel(parent), m_headers(headers.isEmpty() ? QStringList{QString()} : headers)
{
}

void KeyValueModel::setRows(const QList<Row> &rows)
{
    syncRows(
        m_rows, rows, [](const Row &row) { return row.value(0); },
        [](const Row &a, const Row &b) { return a == b; });
}

int KeyValueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int KeyValueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant KeyValueModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString text = m_rows.at(index.row()).value(index.column());
    if (role == Qt::DisplayRole) {
        const QString line = text.section(QLatin1Char('\n'), 0, 0);
        if (line.size() < text.size() || line.size() > kMaxCellText)
            return QString(line.left(kMaxCellText) + QChar(0x2026));
        return text;
    }
    if (role == Qt::ToolTipRole && !text.isEmpty())
        return text.size() > kMaxToolTipText ? QString(text.left(kMaxToolTipText) + QChar(0x2026))
                                             : text;
    return {};
}

QVariant KeyValueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
        && section < int(m_headers.size()))
        return m_headers.at(section);
    return {};
}

} // namespace millrace::ui

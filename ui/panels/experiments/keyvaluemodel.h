#pragma once

#include "ui/panels/experiments/keyedrows.h"

#include <QAbstractTableModel>
#include <QStringList>

namespace millrace::ui {

/// A small read-only table of named values (a run's params, latest metrics or tags): the first
/// column is the key, the others what the headers name. Updating by key keeps selected rows.
class KeyValueModel : public KeyedTableModel
{
    Q_OBJECT
public:
    /// One row: the key first, then one text per further header.
    using Row = QStringList;

    /// `headers` name the columns, the key's first; there is at least one.
    explicit KeyValueModel(const QStringList &headers, QObject *parent = nullptr);

    /// Shows `rows` in this order; keys (first cells) must be unique. Short rows show empty cells.
    void setRows(const QList<Row> &rows);
    /// The rows shown, in order.
    QList<Row> rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    const QStringList m_headers;
    QList<Row> m_rows;
};

} // namespace millrace::ui

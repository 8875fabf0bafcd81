#pragma once

#include "core/tracking/trackingtypes.h"

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

#include <functional>

namespace millrace::ui {

/// Params, metrics and run attributes of the compared runs side by side (one column per run),
/// marking the rows whose values differ.
///
/// Rows: run name, status, start time, duration and user, then every param key, every metric key
/// (latest value) and every tag key except MLflow's own "mlflow.*" tags, each group the union over
/// the runs, sorted. A missing value is empty and differs from a present one; metrics compare
/// numerically (NaN equals NaN here), everything else by text. Reloading with the same run ids
/// keeps rows in place (dataChanged, row insertions and removals), so live updates keep a view's
/// scroll position and selection.
class CompareDiffModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    /// bool, on every cell of a row (and on the row's vertical header): the runs disagree here.
    static constexpr int DiffersRole = Qt::UserRole + 1;
    /// In headerData(Qt::Vertical): the row's key in the search syntax: "attributes.status",
    /// "params.lr", "metrics.acc", "tags.team".
    static constexpr int RowKeyRole = Qt::UserRole + 2;

    explicit CompareDiffModel(QObject *parent = nullptr);

    /// Compares `runs`, one column each, in this order (run ids must be unique).
    void setRuns(const QList<tracking::Run> &runs);
    /// Hides the rows where all runs agree.
    void setOnlyDifferences(bool only);
    /// Whether rows where all runs agree are hidden.
    bool onlyDifferences() const { return m_onlyDifferences; }
    /// How many rows differ, hidden rows or not (a count for the view's "n differences" label).
    int differingRowCount() const;
    /// The key of a shown row in the search syntax (see RowKeyRole), or empty.
    QString rowKey(int row) const;
    /// The shown row with `key` (see RowKeyRole), or -1 (unknown or hidden).
    int rowOfKey(const QString &key) const;
    /// The run id of a column, or empty.
    QString runIdAt(int column) const;

    /// Where "now" comes from, for the duration of running runs (tests set a fixed clock).
    void setClock(std::function<qint64()> msSinceEpoch);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    /// One compared property with its value in each run (texts and tooltips, column order).
    struct Row
    {
        QString key;   ///< "params.lr"; unique
        QString title; ///< vertical header text
        QStringList texts;
        QStringList toolTips;
        bool differs = false;
        bool operator==(const Row &other) const = default;
    };
    struct Column
    {
        QString runId;
        QString title;
        bool operator==(const Column &other) const = default;
    };

    QList<Row> buildRows(const QList<tracking::Run> &runs) const;
    QList<Row> shownRows() const;
    void syncShownRows();

    QList<Column> m_columns;
    QList<Row> m_allRows; ///< every row, hidden or not
    QList<Row> m_rows;    ///< the rows views see
    bool m_onlyDifferences = false;
    std::function<qint64()> m_clock;
};

} // namespace millrace::ui

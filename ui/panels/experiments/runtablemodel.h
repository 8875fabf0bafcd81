#pragma once

#include "ui/panels/experiments/keyedrows.h"
#include "ui/panels/experiments/runkeys.h"

#include "core/tracking/trackingtypes.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QStringList>

#include <functional>
#include <optional>

namespace millrace::ui {

/// Runs as a table: run name, status, start time, duration and user, then one column per metric
/// key (its latest value) and one per param key found in the runs, each group sorted by key.
/// Missing values are empty; NaN shows as "NaN". Columns are named like the search syntax
/// (`params.lr`, `metrics.acc`). Updating keeps the rows and columns that stay, so selections and
/// column widths survive a reload.
class RunTableModel : public KeyedTableModel
{
    Q_OBJECT
public:
    enum FixedColumn {
        NameColumn,
        StatusColumn,
        StartColumn,
        DurationColumn,
        UserColumn,
        FixedColumnCount
    };
    /// The typed value to sort by: QString, qint64 (times, durations in ms) or double (metrics,
    /// NaN included); invalid when the run has no value there.
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The run id of a row.
    static constexpr int RunIdRole = Qt::UserRole + 2;
    /// In headerData(): the column's name in the search syntax, e.g. "metrics.acc".
    static constexpr int ColumnKeyRole = Qt::UserRole + 3;

    explicit RunTableModel(QObject *parent = nullptr);

    /// Shows `runs` (run ids must be unique), in this order.
    void setRuns(const QList<tracking::Run> &runs);
    /// The same, with their keys collected beforehand (collectRunKeys()) off the GUI thread.
    void setRuns(const QList<tracking::Run> &runs, const RunKeys &keys);
    /// The run on `row`, which must exist.
    const tracking::Run &runAt(int row) const { return m_runs.at(row); }
    /// The row of the run with `runId`, or -1.
    int rowOfRun(const QString &runId) const;

    /// The column's name in the search syntax: "attributes.run_name", "params.lr",
    /// "metrics.acc", ... ("attributes.duration" for the duration column).
    QString columnKey(int column) const;
    /// The column named `key` (see columnKey()), or -1.
    int columnOfKey(const QString &key) const;
    /// Param, metric and tag keys found in the runs, sorted.
    QStringList paramKeys() const { return m_paramKeys; }
    QStringList metricKeys() const { return m_metricKeys; }
    QStringList tagKeys() const { return m_tagKeys; }

    /// Where "now" comes from, for the duration of running runs (tests set a fixed clock).
    void setClock(std::function<qint64()> msSinceEpoch);
    /// Tells views that the durations of running runs moved on; call it every second or so.
    void refreshRunningDurations();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// A short text for a duration: "850 ms", "12.4 s", "3m 05s", "2h 03m", "4d 01h".
    static QString durationText(qint64 ms);
    /// How a metric value reads in the table: six significant digits, "NaN", "inf", "-inf".
    static QString metricText(double value);
    /// A run status as users read it: "Running", "Finished", ...
    static QString statusText(tracking::RunStatus status);
    /// The colour that marks a status (a mid tone that reads on light and dark backgrounds).
    static QColor statusColour(tracking::RunStatus status);

private:
    enum class Group { Fixed, Param, Metric };
    struct Column
    {
        Group group;
        QString key; ///< param or metric key; empty for fixed columns
        bool operator==(const Column &other) const = default;
    };

    void syncColumns(const QList<Column> &columns);
    std::optional<qint64> duration(const tracking::Run &run) const;
    QVariant sortValue(const tracking::Run &run, const Column &column) const;
    QVariant displayValue(const tracking::Run &run, const Column &column) const;
    QVariant toolTip(const tracking::Run &run, const Column &column) const;

    QList<tracking::Run> m_runs;
    QList<Column> m_columns;
    QStringList m_paramKeys;
    QStringList m_metricKeys;
    QStringList m_tagKeys;
    std::function<qint64()> m_clock;
};

} // namespace millrace::ui

#pragma once

#include "core/scheduler/schedulertypes.h"
#include "ui/panels/experiments/keyedrows.h"

#include <QDateTime>
#include <QList>

namespace millrace::ui {

/// The DAGs of the workspace, one row each, sorted by id: an on/off switch (checked: scheduled
/// runs are created; unchecked: the DAG is paused), the id, the schedule in words, the next run,
/// the last run's state, the active runs and the tags. A refresh updates rows in place, so the
/// selection stays. Toggling the switch does not pause anything itself: it shows the new state
/// at once and asks for it with pauseRequested(); the scheduler's next report has the last word.
class DagListModel : public KeyedTableModel
{
    Q_OBJECT
public:
    enum Column {
        ActiveColumn,
        DagColumn,
        ScheduleColumn,
        NextRunColumn,
        LastRunColumn,
        ActiveRunsColumn,
        TagsColumn,
        ColumnCount
    };
    enum Role {
        DagIdRole = Qt::UserRole + 1,
        PausedRole,       ///< bool
        LastRunStateRole, ///< int(scheduler::RunState), or an invalid QVariant without a run
        TagsRole,         ///< QStringList
        SortRole,         ///< what to sort the column by
    };

    explicit DagListModel(QObject *parent = nullptr);

    /// Shows `dags`, sorted by id.
    void setDags(QList<scheduler::DagSummary> dags);
    /// The row of DAG `dagId`, or -1.
    int rowOfDag(const QString &dagId) const;
    /// The DAG at `row`, or null.
    const scheduler::DagSummary *dagAt(int row) const;
    /// The DAG `dagId`, or null.
    const scheduler::DagSummary *dag(const QString &dagId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// The user toggled the switch of `dagId`.
    void pauseRequested(const QString &dagId, bool paused);

private:
    QList<scheduler::DagSummary> m_dags;
};

/// "in 5 s", "in 3 min", "in 2 h", "in 4 d", or "due" once `when` has passed `now`.
QString relativeFuture(const QDateTime &when, const QDateTime &now);
/// A time as the Jobs panel writes it, in local time: "14:05:03" today, "3 Jan 14:05" this year,
/// else "2025-12-31 14:05"; empty for a null time.
QString shortTime(const QDateTime &when, const QDateTime &now = QDateTime::currentDateTime());

} // namespace millrace::ui

#pragma once

#include "core/scheduler/dagspec.h"
#include "ui/panels/jobs/jobsqueries.h"

#include <QAbstractTableModel>
#include <QStringList>

namespace millrace::ui {

/// The grid of a DAG, as Airflow's grid view has it: one column per run (the latest ones, the
/// newest on the right), one row per task in the DAG's order (tasks a run had that the DAG no
/// longer has come last), each cell the state of that task in that run. Header data carries each
/// run's state, type and duration for the bars over the columns. A refresh inserts and removes
/// rows and columns rather than resetting, so the current cell and selection stay.
class GridModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role {
        /// int(scheduler::TaskState) of the cell; an invalid QVariant where the run has no
        /// instance of the task (not created yet, or the task came later).
        TaskStateRole = Qt::UserRole + 1,
        TaskIdRole,   ///< QString, cells and vertical header
        RunRowRole,   ///< qint64, cells and horizontal header
        RunIdRole,    ///< QString, horizontal header
        RunStateRole, ///< int(scheduler::RunState), horizontal header
        RunTypeRole,  ///< int(scheduler::RunType), horizontal header
        /// double: how long the run took, or has been running, in seconds (0 before it started);
        /// horizontal header.
        RunSecondsRole,
        OperatorRole, ///< QString, vertical header: the task's operator id
    };

    explicit GridModel(QObject *parent = nullptr);

    /// Shows the runs of `grid` against the tasks of `dag` (which may be empty while the DAG is
    /// not known: the tasks then come from the instances).
    void setGrid(const scheduler::DagSpec &dag, const GridData &grid);
    /// Empties the grid.
    void clear();

    /// The column of run `runRow`, or -1.
    int columnOfRun(qint64 runRow) const;
    /// The row of task `taskId`, or -1.
    int rowOfTask(const QString &taskId) const;
    /// The run of `column`, or null.
    const scheduler::DagRunRecord *runAt(int column) const;
    /// The task id of `row`, or empty.
    QString taskAt(int row) const;
    /// The instance in the cell, or null.
    const scheduler::TaskInstanceRecord *instanceAt(const QModelIndex &index) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QStringList m_tasks;
    QHash<QString, QString> m_operators; ///< by task id
    QList<scheduler::DagRunRecord> m_runs;
    GridData m_grid;
};

/// A duration for people: "0.4 s", "12 s", "3 min 5 s", "2 h 10 min".
QString durationText(double seconds);

} // namespace millrace::ui

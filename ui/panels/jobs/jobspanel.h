#pragma once

#include "core/scheduler/schedulertypes.h"
#include "ui/panels/jobs/jobsqueries.h"

#include <QList>
#include <QMetaObject>
#include <QPointer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QModelIndex;
class QScrollArea;
class QTabWidget;
class QTableView;
class QToolBar;
QT_END_NAMESPACE

namespace millrace {
class Session;
namespace scheduler {
class SchedulerService;
}
} // namespace millrace

namespace millrace::ui {

class DagErrorsBanner;
class DagListModel;
class GanttChart;
class GraphView;
class GridModel;
class GridView;
class JobsActions;
class JobsFeed;
class TaskDetailPane;

/// The Jobs panel, Millrace's Airflow UI: the DAGs on the left (on/off switch, schedule in words,
/// next run, last run's state, active runs, tags) with the DAG files that did not load in a red
/// banner above; for the chosen DAG, the grid of its latest runs by tasks, its graph and the
/// chosen run's Gantt chart; under them the chosen task instance with its tries and its log,
/// followed live while it runs; the actions (trigger with a config, pause, clear, mark) in a
/// toolbar and context menus; and whether scheduled updates run. It follows the scheduler's
/// signals and reads the database only through Store::readAsync, so the GUI thread never waits.
class JobsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit JobsPanel(QWidget *parent = nullptr);
    ~JobsPanel() override;

    /// Shows the DAGs of `session` (its scheduler may be null: the scheduler is off), which must
    /// outlive detachSession().
    void attachSession(Session &session);
    /// Lets go of the session; waits for reads still running.
    void detachSession();

    /// Chooses DAG `dagId`, now or once it is listed.
    void showDag(const QString &dagId);
    /// The DAG shown, or empty.
    QString currentDagId() const { return m_dagId; }
    /// The run chosen (0: none).
    qint64 currentRunRow() const { return m_runRow; }
    /// The task chosen, or empty.
    QString currentTaskId() const { return m_taskId; }

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QWidget *createDagSide();
    QWidget *createDetailSide();
    void onDagsChanged(const QList<scheduler::DagSummary> &dags,
                       const QList<scheduler::DagFileError> &errors);
    void onRunChanged(const scheduler::DagRunRecord &run);
    void onRunningChanged(bool running);
    void onTriggered(const QString &dagId, const QString &runId, qint64 runRow);
    void onCurrentDagChanged(const QModelIndex &current);
    void onGridLoaded(const GridData &grid);
    void onRunDetailLoaded(const RunDetail &detail);
    void chooseRun(qint64 runRow);
    void chooseInstance(qint64 runRow, const QString &taskId);
    void chooseTask(const QString &taskId);
    void showChosenTask();
    void updateDagHeader();
    void updateActionsTarget();
    void updateEmptyState();
    void showActionError(const QString &message);
    void showNote(const QString &message);
    void updateColours();
    void setDagPaused(const QString &dagId, bool paused);
    void noteChanged();
    const scheduler::DagSummary *currentDag() const;

    JobsFeed *m_feed;
    DagListModel *m_dags;
    GridModel *m_gridModel;
    JobsActions *m_actions;

    QLabel *m_schedulerState;
    QLabel *m_note;
    QLabel *m_actionError;
    DagErrorsBanner *m_dagErrors;
    QTableView *m_dagView;
    QLabel *m_dagCount;
    QLabel *m_dagTitle;
    QLabel *m_dagFacts;
    QLabel *m_emptyState;
    QWidget *m_detailSide;
    QToolBar *m_toolBar;
    QTabWidget *m_tabs;
    GridView *m_gridView;
    GraphView *m_graphView;
    GanttChart *m_gantt;
    TaskDetailPane *m_taskDetail;

    QPointer<scheduler::SchedulerService> m_service;
    QList<QMetaObject::Connection> m_serviceConnections;
    bool m_attached = false;
    bool m_runningKnown = false; ///< a runningChanged arrived: the stored state is stale
    bool m_stale = false;        ///< something changed while hidden
    QString m_dagsDir;
    QString m_dagId;
    QString m_showOnArrival;
    QByteArray m_shownFingerprint; ///< of the DAG spec the grid and graph were built from
    qint64 m_runRow = 0;
    bool m_followNewestRun = true; ///< the newest run is chosen: a newer one takes its place
    QString m_taskId;
    GridData m_grid;
    RunDetail m_detail;
};

} // namespace millrace::ui

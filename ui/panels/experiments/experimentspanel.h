#pragma once

#include <QPointer>
#include <QSet>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QModelIndex;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QToolButton;
class QTreeView;
QT_END_NAMESPACE

namespace millrace {
class Session;
namespace tracking {
class TrackingServer;
struct Run;
} // namespace tracking
} // namespace millrace

namespace millrace::ui {

class CompareView;
class ExperimentListModel;
class ExperimentsFeed;
class GroupByButton;
class RunActions;
class RunDetailPane;
class RunGroupModel;
class RunSortModel;
class RunTableModel;
class RunTreeView;
class SearchFilterEdit;
struct ExperimentEntry;
struct RunListing;

/// The Experiments panel: the workspace's experiments on the left; the runs of the selected ones
/// as a sortable table with a search filter (MLflow syntax plus OR and parentheses) on the right;
/// the current run's details below. While visible it follows the workspace, so runs logged by the
/// mlflow client or a training job show up within about a second.
class ExperimentsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ExperimentsPanel(QWidget *parent = nullptr);
    ~ExperimentsPanel() override;

    /// Shows the experiments of `session`, which must outlive detachSession().
    void attachSession(Session &session);
    /// Lets go of the session; waits for reads and writes still running.
    void detachSession();

    /// The runs selected in the run table, in the order shown; a selected group row stands for
    /// all its runs.
    QStringList selectedRunIdsInOrder() const;

    /// Shows the runs `runIds` of the experiments `experimentIds` (for other panels, e.g. a
    /// model version's source run): selects those experiments and runs, clearing a filter that
    /// could hide them, and opens the first run's details, or with `compare` the compare view on
    /// all of them. Runs still loading are selected once they arrive.
    void revealRuns(const QStringList &experimentIds, const QStringList &runIds, bool compare);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QWidget *createExperimentSide();
    QWidget *createRunSide();
    void onExperimentsLoaded(const QList<ExperimentEntry> &entries);
    void onRunsLoaded(const RunListing &listing, const QString &filter);
    void onSearchFailed(const QString &filter, const QString &message);
    void onExperimentSelectionChanged();
    QStringList selectedExperimentIds() const;
    QSet<QString> selectedRunIds() const;
    const tracking::Run *runOf(const QModelIndex &index) const;
    void updateRunTargets();
    void updateExperimentTargets();
    void updateDetail();
    /// Hands the selected runs to the compare view (when it is in view) and labels the button.
    void updateCompare();
    void updateRunStatus();
    void updateEmptyState();
    void updateErrorColours();
    void applyHiddenColumns();
    void followSortKey();
    void fillColumnsMenu();
    void tick();
    /// Takes a revealRuns() request one step further: experiments, then runs once loaded.
    void continueReveal();

    ExperimentsFeed *m_feed;
    ExperimentListModel *m_experiments;
    RunTableModel *m_runs;
    RunSortModel *m_sortedRuns;
    RunGroupModel *m_groupedRuns;
    RunActions *m_actions;
    QTreeView *m_experimentView;
    QCheckBox *m_showDeleted;
    SearchFilterEdit *m_filterEdit;
    QLabel *m_filterError;
    QToolButton *m_columnsButton;
    GroupByButton *m_groupByButton;
    QToolButton *m_actionsButton;
    QLabel *m_actionError;
    QStackedWidget *m_runPages;
    RunTreeView *m_runView;
    QLabel *m_emptyState;
    QLabel *m_runStatus;
    RunDetailPane *m_detail;
    CompareView *m_compare;
    QTabWidget *m_lowerTabs;
    QToolButton *m_compareButton;
    QTimer *m_clock;

    bool m_attached = false;
    QPointer<tracking::TrackingServer> m_server;
    bool m_experimentsKnown = false; ///< the first experiment list arrived since attach
    bool m_runsKnown = false;        ///< runs arrived for the current selection
    bool m_truncated = false;
    QString m_loadError;
    QString m_selectOnArrival;     ///< an experiment just created, to select once it is listed
    QSet<QString> m_hiddenColumns; ///< column keys ("params.lr") the user hid
    QString m_sortKey;             ///< column key the table is sorted by
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;

    /// A revealRuns() request waiting for its experiments or runs to load.
    struct RunReveal
    {
        QStringList experimentIds;
        QStringList runIds;
        bool compare = false;
    };
    std::optional<RunReveal> m_reveal;
};

} // namespace millrace::ui

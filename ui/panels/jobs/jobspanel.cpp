#include "ui/panels/jobs/jobspanel.h"

#include "core/scheduler/schedulerservice.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/jobs/dagerrorsbanner.h"
#include "ui/panels/jobs/daglistdelegate.h"
#include "ui/panels/jobs/daglistmodel.h"
#include "ui/panels/jobs/ganttchart.h"
#include "ui/panels/jobs/graphview.h"
#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/gridview.h"
#include "ui/panels/jobs/jobsactions.h"
#include "ui/panels/jobs/jobsfeed.h"
#include "ui/panels/jobs/jobspanellog.h"
#include "ui/panels/jobs/statelegend.h"
#include "ui/panels/jobs/statestyle.h"
#include "ui/panels/jobs/taskdetailpane.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedLayout>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

using scheduler::DagSummary;
using scheduler::SchedulerService;

namespace {

QLabel *boldLabel()
{
    auto *label = new QLabel;
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.15);
    label->setFont(font);
    return label;
}

QScrollArea *scrolled(QWidget *widget, bool resizable)
{
    auto *area = new QScrollArea;
    area->setWidget(widget);
    area->setWidgetResizable(resizable);
    area->setBackgroundRole(QPalette::Base);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

} // namespace

JobsPanel::JobsPanel(QWidget *parent)
    : QWidget(parent), m_feed(new JobsFeed(this)), m_dags(new DagListModel(this)),
      m_gridModel(new GridModel(this)), m_actions(new JobsActions(this)),
      m_schedulerState(new QLabel), m_note(new QLabel), m_actionError(new QLabel),
      m_dagErrors(new DagErrorsBanner), m_dagView(new QTableView), m_dagCount(new QLabel),
      m_dagTitle(boldLabel()), m_dagFacts(new QLabel), m_emptyState(new QLabel),
      m_detailSide(nullptr), m_toolBar(new QToolBar), m_tabs(new QTabWidget),
      m_gridView(new GridView), m_graphView(new GraphView), m_gantt(new GanttChart),
      m_taskDetail(new TaskDetailPane)
{
    m_schedulerState->setObjectName(QStringLiteral("schedulerState"));
    m_note->setObjectName(QStringLiteral("jobsNote"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_actionError->setObjectName(QStringLiteral("jobsActionError"));
    m_actionError->setWordWrap(true);
    m_actionError->setAutoFillBackground(true);
    m_actionError->setContentsMargins(8, 4, 8, 4);
    m_actionError->setTextFormat(Qt::RichText);
    m_actionError->hide();
    connect(m_actionError, &QLabel::linkActivated, m_actionError, &QWidget::hide);

    auto *split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("jobsSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(createDagSide());
    split->addWidget(createDetailSide());
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({380, 680});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(m_actionError);
    layout->addWidget(m_dagErrors);
    layout->addWidget(split, 1);

    connect(m_feed, &JobsFeed::gridLoaded, this, &JobsPanel::onGridLoaded);
    connect(m_feed, &JobsFeed::runDetailLoaded, this, &JobsPanel::onRunDetailLoaded);
    connect(m_feed, &JobsFeed::runMissing, this, [this](qint64 runRow) {
        if (runRow != m_runRow)
            return;
        m_followNewestRun = true;
        chooseRun(0);
        m_feed->reload();
    });
    connect(m_feed, &JobsFeed::loadFailed, this, &JobsPanel::showActionError);
    connect(m_feed, &JobsFeed::schedulerStateLoaded, this, [this](bool running) {
        if (!m_runningKnown) // the scheduler's own word came first
            onRunningChanged(running);
    });
    connect(m_dags, &DagListModel::pauseRequested, this, [this](const QString &dagId, bool paused) {
        if (m_service)
            m_service->setDagPaused(dagId, paused);
        showNote(paused ? tr("Pausing %1").arg(dagId) : tr("Unpausing %1").arg(dagId));
        updateDagHeader();
        updateActionsTarget();
    });
    connect(m_actions, &JobsActions::pauseToggled, this, &JobsPanel::setDagPaused);
    connect(m_actions, &JobsActions::requested, this, [this](const QString &what) {
        m_actionError->hide();
        showNote(what);
    });

    updateColours();
    m_schedulerState->setText(tr("Scheduled updates: no workspace"));
    updateEmptyState();
}

JobsPanel::~JobsPanel()
{
    detachSession();
}

QWidget *JobsPanel::createDagSide()
{
    m_dagView->setObjectName(QStringLiteral("dagList"));
    m_dagView->setModel(m_dags);
    m_dagView->setItemDelegate(new DagListDelegate(m_dagView));
    m_dagView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_dagView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_dagView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_dagView->setShowGrid(false);
    m_dagView->setWordWrap(false);
    m_dagView->verticalHeader()->hide();
    m_dagView->horizontalHeader()->setHighlightSections(false);
    m_dagView->horizontalHeader()->setStretchLastSection(true);
    // Fitting the columns to their contents (on the first report of DAGs) measures at most this
    // many rows, those on screen first. With the default 1,000, every cell of 1,000 DAGs went
    // through the delegate's text layout: 30-36 ms of the GUI thread's CPU, a 60-110 ms stall
    // while the scheduler kept the other core busy (bench_scheduler_gui); with 100, 3-5 ms.
    m_dagView->horizontalHeader()->setResizeContentsPrecision(100);
    m_dagView->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_dagView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_dagView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &JobsPanel::onCurrentDagChanged);
    connect(m_dagView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!m_dagView->indexAt(pos).isValid())
            return;
        QMenu menu;
        menu.addAction(m_actions->triggerAction());
        menu.addAction(m_actions->pauseAction());
        menu.exec(m_dagView->viewport()->mapToGlobal(pos));
    });

    m_dagCount->setObjectName(QStringLiteral("dagCount"));
    m_dagCount->setForegroundRole(QPalette::PlaceholderText);
    auto *side = new QWidget;
    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *heading = new QLabel(tr("DAGs"));
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    layout->addWidget(heading);
    layout->addWidget(m_dagView, 1);
    layout->addWidget(m_dagCount);
    layout->addWidget(m_schedulerState);
    return side;
}

QWidget *JobsPanel::createDetailSide()
{
    m_dagTitle->setObjectName(QStringLiteral("dagTitle"));
    m_dagFacts->setObjectName(QStringLiteral("dagFacts"));
    m_dagFacts->setForegroundRole(QPalette::PlaceholderText);
    m_dagFacts->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_toolBar->setObjectName(QStringLiteral("jobsToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->addAction(m_actions->triggerAction());
    m_toolBar->addAction(m_actions->pauseAction());
    m_toolBar->addSeparator();
    for (QAction *action : m_actions->taskActions())
        m_toolBar->addAction(action);

    m_gridView->setObjectName(QStringLiteral("gridView"));
    m_gridView->setGridModel(m_gridModel);
    m_gridView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_gridView, &GridView::instanceClicked, this, &JobsPanel::chooseInstance);
    connect(m_gridView, &GridView::runClicked, this, [this](qint64 runRow) { chooseRun(runRow); });
    connect(m_gridView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_gridView->indexAt(pos);
        if (!index.isValid())
            return;
        // The menu acts on the square under the mouse.
        if (const scheduler::DagRunRecord *run = m_gridModel->runAt(index.column()))
            chooseInstance(run->row, m_gridModel->taskAt(index.row()));
        QMenu menu;
        menu.addActions(m_actions->taskActions());
        menu.exec(m_gridView->viewport()->mapToGlobal(pos));
    });
    m_graphView->setObjectName(QStringLiteral("graphView"));
    connect(m_graphView, &GraphView::taskClicked, this, &JobsPanel::chooseTask);
    m_gantt->setObjectName(QStringLiteral("ganttChart"));
    connect(m_gantt, &GanttChart::taskClicked, this, &JobsPanel::chooseTask);

    m_tabs->setObjectName(QStringLiteral("jobsTabs"));
    auto *gridPage = new QWidget;
    gridPage->setObjectName(QStringLiteral("gridTab"));
    auto *gridLayout = new QVBoxLayout(gridPage);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->addWidget(m_gridView);
    m_tabs->addTab(gridPage, tr("Grid"));
    QScrollArea *graphArea = scrolled(m_graphView, false);
    graphArea->setObjectName(QStringLiteral("graphTab"));
    m_tabs->addTab(graphArea, tr("Graph"));
    QScrollArea *ganttArea = scrolled(m_gantt, true);
    ganttArea->setObjectName(QStringLiteral("ganttTab"));
    m_tabs->addTab(ganttArea, tr("Gantt"));

    auto *legend = new StateLegend;
    legend->setObjectName(QStringLiteral("stateLegend"));
    auto *views = new QWidget;
    auto *viewsLayout = new QVBoxLayout(views);
    viewsLayout->setContentsMargins(0, 0, 0, 0);
    viewsLayout->addWidget(m_tabs, 1);
    viewsLayout->addWidget(legend);

    m_taskDetail->setObjectName(QStringLiteral("taskDetail"));
    auto *vertical = new QSplitter(Qt::Vertical);
    vertical->setChildrenCollapsible(false);
    vertical->addWidget(views);
    vertical->addWidget(m_taskDetail);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setSizes({390, 260});

    m_detailSide = new QWidget;
    auto *detailLayout = new QVBoxLayout(m_detailSide);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    // The DAG's name with what it is on one line; the actions and what was last done under it.
    m_dagFacts->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_note->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_dagTitle);
    titleRow->addSpacing(8);
    titleRow->addWidget(m_dagFacts, 1);
    auto *actionsRow = new QHBoxLayout;
    actionsRow->addWidget(m_toolBar);
    actionsRow->addWidget(m_note, 1);
    detailLayout->addLayout(titleRow);
    detailLayout->addLayout(actionsRow);
    detailLayout->addWidget(vertical, 1);

    m_emptyState->setObjectName(QStringLiteral("jobsEmptyState"));
    m_emptyState->setAlignment(Qt::AlignCenter);
    m_emptyState->setWordWrap(true);
    m_emptyState->setForegroundRole(QPalette::PlaceholderText);
    m_emptyState->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *right = new QWidget;
    auto *stack = new QStackedLayout(right);
    stack->addWidget(m_detailSide);
    stack->addWidget(m_emptyState);
    return right;
}

void JobsPanel::attachSession(Session &session)
{
    detachSession();
    m_attached = true;
    m_dagsDir = session.workspace().dagsDir();
    m_taskDetail->setLogsDir(session.workspace().logsDir());
    m_service = session.scheduler();
    m_actions->setService(m_service);
    m_feed->attach(session.workspace().store());
    m_feed->setPolling(isVisible());
    m_feed->loadSchedulerState();
    if (m_service) {
        m_serviceConnections = {
            connect(m_service, &SchedulerService::dagsChanged, this, &JobsPanel::onDagsChanged),
            connect(m_service, &SchedulerService::runChanged, this, &JobsPanel::onRunChanged),
            connect(m_service, &SchedulerService::runningChanged, this,
                    [this](bool running) {
                        m_runningKnown = true;
                        onRunningChanged(running);
                    }),
            connect(m_service, &SchedulerService::triggered, this, &JobsPanel::onTriggered),
            connect(m_service, &SchedulerService::actionFailed, this, &JobsPanel::showActionError),
        };
        // The scheduler reports its DAGs when they change; a re-read (of changed files only)
        // makes it report them now, for a panel that came after its first report.
        m_service->reloadDags();
    } else {
        m_schedulerState->setText(tr("Scheduler: off in this workspace"));
    }
    updateEmptyState();
    qCDebug(lcJobsPanel) << "attached; scheduler" << (m_service ? "on" : "off");
}

void JobsPanel::detachSession()
{
    for (const QMetaObject::Connection &connection : std::as_const(m_serviceConnections))
        disconnect(connection);
    m_serviceConnections.clear();
    m_service = nullptr;
    m_actions->setService(nullptr);
    m_feed->detach();
    m_attached = false;
    m_runningKnown = false;
    m_dags->setDags({});
    m_dagErrors->setErrors({});
    m_gridModel->clear();
    m_graphView->setDag({});
    m_gantt->clear();
    m_taskDetail->showNothing(QString());
    m_dagId.clear();
    m_shownFingerprint.clear();
    m_runRow = 0;
    m_taskId.clear();
    m_grid = GridData();
    m_detail = RunDetail();
    m_actionError->hide();
    m_note->clear();
    m_schedulerState->setText(tr("Scheduled updates: no workspace"));
    updateEmptyState();
}

void JobsPanel::showDag(const QString &dagId)
{
    const int row = m_dags->rowOfDag(dagId);
    if (row < 0) {
        m_showOnArrival = dagId;
        return;
    }
    m_showOnArrival.clear();
    m_dagView->selectionModel()->setCurrentIndex(m_dags->index(row, DagListModel::DagColumn),
                                                 QItemSelectionModel::ClearAndSelect
                                                     | QItemSelectionModel::Rows);
}

const DagSummary *JobsPanel::currentDag() const
{
    return m_dags->dag(m_dagId);
}

void JobsPanel::onDagsChanged(const QList<DagSummary> &dags,
                              const QList<scheduler::DagFileError> &errors)
{
    const bool first = m_dags->rowCount() == 0;
    m_dags->setDags(dags);
    m_dagErrors->setErrors(errors);
    m_dagCount->setText(tr("%n DAG(s)", nullptr, int(dags.size())));
    if (first && !dags.isEmpty())
        m_dagView->resizeColumnsToContents();
    if (!m_showOnArrival.isEmpty() && m_dags->rowOfDag(m_showOnArrival) >= 0)
        showDag(m_showOnArrival);
    else if (m_dags->rowOfDag(m_dagId) < 0 && m_dags->rowCount() > 0)
        showDag(m_dags->dagAt(0)->spec.id); // nothing chosen yet, or the DAG is gone
    else if (m_dags->rowCount() == 0)
        onCurrentDagChanged(QModelIndex());

    // The chosen DAG's file changed: its tasks may have.
    if (const DagSummary *dag = currentDag(); dag && dag->spec.fingerprint != m_shownFingerprint) {
        m_shownFingerprint = dag->spec.fingerprint;
        m_graphView->setDag(dag->spec);
        m_gantt->setTasks([&] {
            QStringList ids;
            for (const scheduler::TaskSpec &task : dag->spec.tasks)
                ids.append(task.id);
            return ids;
        }());
        if (m_grid.dagId == m_dagId)
            m_gridModel->setGrid(dag->spec, m_grid);
    }
    updateDagHeader();
    updateActionsTarget();
    updateEmptyState();
    noteChanged();
}

void JobsPanel::onRunChanged(const scheduler::DagRunRecord &run)
{
    if (run.dagId == m_dagId)
        noteChanged();
}

void JobsPanel::noteChanged()
{
    // While hidden, nothing is read; showing the panel reads once.
    if (isVisible())
        m_feed->noteChanged();
    else
        m_stale = true;
}

void JobsPanel::onRunningChanged(bool running)
{
    m_schedulerState->setText(running ? tr("Scheduled updates: running")
                                      : tr("Scheduled updates: paused"));
    m_schedulerState->setToolTip(
        running ? tr("New scheduled runs are created when due.")
                : tr("No scheduled or event run is created; runs under way go on, and Trigger… "
                     "still starts runs. Start them again with the toolbar's button."));
}

void JobsPanel::onTriggered(const QString &dagId, const QString &runId, qint64 runRow)
{
    showNote(tr("Triggered %1: %2").arg(dagId, runId));
    if (dagId != m_dagId)
        return;
    // The new run is the one to watch.
    m_followNewestRun = true;
    chooseRun(runRow);
    noteChanged();
}

void JobsPanel::onCurrentDagChanged(const QModelIndex &current)
{
    const DagSummary *dag = current.isValid() ? m_dags->dagAt(current.row()) : nullptr;
    const QString dagId = dag ? dag->spec.id : QString();
    if (dagId == m_dagId)
        return;
    m_dagId = dagId;
    m_taskId.clear();
    m_runRow = 0;
    m_followNewestRun = true;
    m_grid = GridData();
    m_detail = RunDetail();
    m_gridModel->clear();
    m_gantt->clear();
    m_graphView->setStates({});
    m_graphView->setSelectedTask(QString());
    m_gantt->setSelectedTask(QString());
    m_taskDetail->showNothing(tr("Click a square in the grid to see a task, its tries and its "
                                 "log."));
    m_shownFingerprint = dag ? dag->spec.fingerprint : QByteArray();
    m_graphView->setDag(dag ? dag->spec : scheduler::DagSpec());
    QStringList ids;
    if (dag) {
        for (const scheduler::TaskSpec &task : dag->spec.tasks)
            ids.append(task.id);
    }
    m_gantt->setTasks(ids);
    m_feed->setRunRow(0);
    m_feed->setDagId(dagId);
    updateDagHeader();
    updateActionsTarget();
}

void JobsPanel::onGridLoaded(const GridData &grid)
{
    if (grid.dagId != m_dagId)
        return;
    m_grid = grid;
    const DagSummary *dag = currentDag();
    m_gridModel->setGrid(dag ? dag->spec : scheduler::DagSpec(), grid);
    const bool chosenShown = std::any_of(grid.runs.begin(), grid.runs.end(),
                                         [this](const auto &run) { return run.row == m_runRow; });
    if (m_followNewestRun || !chosenShown) {
        m_followNewestRun = true;
        chooseRun(grid.runs.isEmpty() ? 0 : grid.runs.last().row);
    } else {
        m_gridView->showInstance(m_runRow, m_taskId);
    }
}

void JobsPanel::onRunDetailLoaded(const RunDetail &detail)
{
    if (detail.run.row != m_runRow)
        return;
    m_detail = detail;
    QHash<QString, scheduler::TaskState> states;
    for (const scheduler::TaskInstanceRecord &instance : detail.instances)
        states.insert(instance.taskId, instance.state);
    m_graphView->setStates(states);
    m_gantt->setRun(detail);
    showChosenTask();
}

void JobsPanel::chooseRun(qint64 runRow)
{
    if (runRow != m_runRow) {
        m_runRow = runRow;
        const bool newest = !m_grid.runs.isEmpty() && m_grid.runs.last().row == runRow;
        m_followNewestRun = newest || runRow == 0;
        if (m_detail.run.row != runRow) {
            m_detail = RunDetail();
            m_graphView->setStates({});
            m_gantt->clear();
        }
    }
    m_gridView->showInstance(m_runRow, m_taskId);
    m_feed->setRunRow(runRow);
    showChosenTask();
}

void JobsPanel::chooseInstance(qint64 runRow, const QString &taskId)
{
    m_taskId = taskId;
    chooseRun(runRow);
}

void JobsPanel::chooseTask(const QString &taskId)
{
    m_taskId = taskId;
    m_gridView->showInstance(m_runRow, m_taskId);
    showChosenTask();
}

void JobsPanel::showChosenTask()
{
    m_graphView->setSelectedTask(m_taskId);
    m_gantt->setSelectedTask(m_taskId);
    if (m_taskId.isEmpty() || m_runRow <= 0) {
        if (m_taskDetail->runRow() != 0 || !m_taskDetail->taskId().isEmpty())
            m_taskDetail->showNothing(
                tr("Click a square in the grid to see a task, its tries and its log."));
    } else if (m_detail.run.row == m_runRow) {
        m_taskDetail->showTask(m_detail, m_taskId);
    }
    // else: the run's detail is on its way; it shows the task when it arrives.
    updateActionsTarget();
}

void JobsPanel::updateDagHeader()
{
    const DagSummary *dag = currentDag();
    if (!dag) {
        m_dagTitle->clear();
        m_dagFacts->clear();
        return;
    }
    m_dagTitle->setText(dag->paused ? tr("%1 (paused)").arg(dag->spec.id) : dag->spec.id);
    QStringList facts{dag->spec.schedule.describe()};
    if (dag->nextRunAt.isValid())
        facts.append(tr("next run %1").arg(shortTime(dag->nextRunAt)));
    facts.append(tr("%n task(s)", nullptr, int(dag->spec.tasks.size())));
    if (!dag->spec.description.isEmpty())
        facts.append(dag->spec.description);
    m_dagFacts->setText(facts.join(QStringLiteral(" · ")));
    m_dagFacts->setToolTip(dag->spec.file);
}

void JobsPanel::updateActionsTarget()
{
    const DagSummary *dag = currentDag();
    m_actions->setDag(dag ? std::optional<DagSummary>(*dag) : std::nullopt);
    std::optional<scheduler::TaskState> state;
    QString runId;
    if (m_detail.run.row == m_runRow && m_runRow > 0) {
        runId = m_detail.run.runId;
        const auto instance = m_detail.instances.constFind(m_taskId);
        if (instance != m_detail.instances.constEnd())
            state = instance->state;
    }
    m_actions->setTaskInstance(m_runRow, m_taskId, runId, state);
}

void JobsPanel::updateEmptyState()
{
    auto *stack = static_cast<QStackedLayout *>(m_emptyState->parentWidget()->layout());
    QString message;
    if (!m_attached)
        message = tr("No workspace is open.");
    else if (!m_service)
        message = tr("The scheduler is off in this workspace: DAGs neither load nor run.");
    else if (m_dags->rowCount() == 0)
        message = tr("No DAGs yet. Put a DAG file (.yaml or .json) in\n%1\nand it shows here "
                     "within a second.")
                      .arg(m_dagsDir);
    m_emptyState->setText(message);
    stack->setCurrentWidget(message.isEmpty() ? m_detailSide
                                              : static_cast<QWidget *>(m_emptyState));
}

void JobsPanel::setDagPaused(const QString &dagId, bool paused)
{
    // Through the model, as the switch in the list does, so both show the same at once.
    const int row = m_dags->rowOfDag(dagId);
    if (row >= 0)
        m_dags->setData(m_dags->index(row, DagListModel::ActiveColumn),
                        paused ? Qt::Unchecked : Qt::Checked, Qt::CheckStateRole);
}

void JobsPanel::showActionError(const QString &message)
{
    m_actionError->setText(QStringLiteral("<b>%1</b> %2 &nbsp;<a href=\"dismiss\">%3</a>")
                               .arg(tr("Not done:"), message.toHtmlEscaped(), tr("Dismiss")));
    m_actionError->show();
    qCInfo(lcJobsPanel).noquote() << "shown to the user:" << message;
}

void JobsPanel::showNote(const QString &message)
{
    m_note->setText(message);
}

void JobsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_feed->setPolling(true);
    if (m_stale) {
        m_stale = false;
        m_feed->reload();
    }
}

void JobsPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_feed->setPolling(false);
}

void JobsPanel::updateColours()
{
    m_actionError->setPalette(errorPalette(palette()));
    m_dagErrors->updateColours(palette());
}

void JobsPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColours();
}

} // namespace millrace::ui

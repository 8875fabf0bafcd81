#include "ui/panels/experiments/experimentspanel.h"

#include "core/tracking/trackingserver.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/experiments/compare/compareview.h"
#include "ui/panels/experiments/experimentlistmodel.h"
#include "ui/panels/experiments/experimentsfeed.h"
#include "ui/panels/experiments/filtercompletion.h"
#include "ui/panels/experiments/groupbybutton.h"
#include "ui/panels/experiments/runactions.h"
#include "ui/panels/experiments/rundetailpane.h"
#include "ui/panels/experiments/rungroupmodel.h"
#include "ui/panels/experiments/runsortmodel.h"
#include "ui/panels/experiments/runtablemodel.h"
#include "ui/panels/experiments/runtreeview.h"
#include "ui/panels/experiments/searchfilteredit.h"

#include <QCheckBox>
#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QRegularExpression>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

namespace {

enum RunPage { TablePage, EmptyPage };
enum LowerTab { DetailTab, CompareTab };

// The longest stretch of a bad filter the error shows around the position it names.
constexpr int kErrorExcerpt = 70;

QString pythonString(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

} // namespace

ExperimentsPanel::ExperimentsPanel(QWidget *parent)
    : QWidget(parent), m_feed(new ExperimentsFeed(this)),
      m_experiments(new ExperimentListModel(this)), m_runs(new RunTableModel(this)),
      m_sortedRuns(new RunSortModel(this)), m_groupedRuns(new RunGroupModel(this)),
      m_actions(new RunActions(this)), m_clock(new QTimer(this))
{
    m_sortedRuns->setSourceModel(m_runs);
    m_groupedRuns->setSourceModel(m_sortedRuns);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("experimentsSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(createExperimentSide());
    split->addWidget(createRunSide());
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({200, 800});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_feed, &ExperimentsFeed::experimentsLoaded, this,
            &ExperimentsPanel::onExperimentsLoaded);
    connect(m_feed, &ExperimentsFeed::runsLoaded, this, &ExperimentsPanel::onRunsLoaded);
    connect(m_feed, &ExperimentsFeed::searchFailed, this, &ExperimentsPanel::onSearchFailed);
    connect(m_feed, &ExperimentsFeed::loadFailed, this, [this](const QString &message) {
        m_loadError = message;
        updateRunStatus();
    });
    // A write that worked shows at the next reload, which is asked for at once.
    connect(m_actions, &RunActions::written, this, [this] {
        m_actionError->hide();
        m_feed->pollNow();
    });
    connect(m_actions, &RunActions::failed, this, [this](const QString &message) {
        m_actionError->setText(QStringLiteral("<b>%1</b> %2 &nbsp;<a href=\"dismiss\">%3</a>")
                                   .arg(tr("Not done:"), message.toHtmlEscaped(), tr("Dismiss")));
        m_actionError->show();
    });
    connect(m_actions, &RunActions::experimentCreated, this,
            [this](const QString &experimentId) { m_selectOnArrival = experimentId; });

    // Durations of running runs move on while the panel is in view.
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, &ExperimentsPanel::tick);

    updateErrorColours();
    updateEmptyState();
    updateRunStatus();
}

ExperimentsPanel::~ExperimentsPanel()
{
    m_feed->detach();
    m_compare->detach();
}

QWidget *ExperimentsPanel::createExperimentSide()
{
    auto *side = new QWidget;
    m_experimentView = new QTreeView;
    m_experimentView->setObjectName(QStringLiteral("experimentList"));
    m_experimentView->setModel(m_experiments);
    m_experimentView->setRootIsDecorated(false);
    m_experimentView->setUniformRowHeights(true);
    m_experimentView->setAllColumnsShowFocus(true);
    m_experimentView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_experimentView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_experimentView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    QHeaderView *header = m_experimentView->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(ExperimentListModel::NameColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(ExperimentListModel::RunCountColumn,
                                 QHeaderView::ResizeToContents);
    header->setHighlightSections(false);
    connect(m_experimentView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExperimentsPanel::onExperimentSelectionChanged);
    m_experimentView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_experimentView->addActions(m_actions->experimentActions());

    m_showDeleted = new QCheckBox(tr("Show deleted"));
    m_showDeleted->setObjectName(QStringLiteral("showDeleted"));
    m_showDeleted->setToolTip(
        tr("Also list deleted experiments and runs, in italics. Deleted ones can be restored."));
    connect(m_showDeleted, &QCheckBox::toggled, m_feed, &ExperimentsFeed::setShowDeleted);

    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(8, 8, 4, 8);
    layout->setSpacing(6);
    layout->addWidget(m_experimentView, 1);
    layout->addWidget(m_showDeleted);
    return side;
}

QWidget *ExperimentsPanel::createRunSide()
{
    m_filterEdit = new SearchFilterEdit;
    m_filterEdit->setObjectName(QStringLiteral("runFilter"));
    m_filterEdit->setPlaceholderText(
        tr("Filter runs, e.g. metrics.acc > 0.9 AND params.optimizer = 'adam' (Enter to apply)"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setToolTip(
        tr("MLflow's search syntax, plus OR and parentheses:\n"
           "  metrics.<key>, params.<key>, tags.<key> and attributes such as status or run_name\n"
           "  =, !=, <, <=, >, >= ; LIKE, ILIKE ; IN ('a', 'b'), NOT IN\n"
           "Press Enter to apply; an empty filter shows all runs."));
    connect(m_filterEdit, &SearchFilterEdit::submitted, m_feed, &ExperimentsFeed::search);

    m_columnsButton = new QToolButton;
    m_columnsButton->setObjectName(QStringLiteral("runColumns"));
    m_columnsButton->setText(tr("Columns"));
    m_columnsButton->setToolTip(tr("Choose the params and metrics shown as columns"));
    m_columnsButton->setPopupMode(QToolButton::InstantPopup);
    auto *columnsMenu = new QMenu(m_columnsButton);
    m_columnsButton->setMenu(columnsMenu);
    connect(columnsMenu, &QMenu::aboutToShow, this, &ExperimentsPanel::fillColumnsMenu);

    m_compareButton = new QToolButton;
    m_compareButton->setObjectName(QStringLiteral("compareRuns"));
    m_compareButton->setText(tr("Compare"));
    m_compareButton->setToolTip(tr("Compare the selected runs: metric histories, bars, scatter, "
                                   "parallel coordinates and a diff table"));
    m_compareButton->setEnabled(false);
    m_groupByButton = new GroupByButton(m_groupedRuns, [this] { return m_runs->paramKeys(); });

    m_actionsButton = new QToolButton;
    m_actionsButton->setObjectName(QStringLiteral("panelActions"));
    m_actionsButton->setText(tr("Actions"));
    m_actionsButton->setToolTip(tr("Delete, restore and rename runs and experiments"));
    m_actionsButton->setPopupMode(QToolButton::InstantPopup);
    auto *actionsMenu = new QMenu(m_actionsButton);
    actionsMenu->setToolTipsVisible(true);
    actionsMenu->addSection(tr("Runs"));
    actionsMenu->addActions(m_actions->runActions());
    actionsMenu->addSection(tr("Experiments"));
    actionsMenu->addActions(m_actions->experimentActions());
    m_actionsButton->setMenu(actionsMenu);

    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(0, 0, 0, 0);
    filterRow->addWidget(m_filterEdit, 1);
    filterRow->addWidget(m_groupByButton);
    filterRow->addWidget(m_columnsButton);
    filterRow->addWidget(m_compareButton);
    filterRow->addWidget(m_actionsButton);

    m_filterError = new QLabel;
    m_filterError->setObjectName(QStringLiteral("runFilterError"));
    m_filterError->setWordWrap(true);
    m_filterError->setTextFormat(Qt::RichText);
    m_filterError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_filterError->setAutoFillBackground(true);
    m_filterError->setContentsMargins(8, 5, 8, 5);
    m_filterError->hide();

    // Failed deletes, renames and the like: one line until dismissed or the next write works.
    m_actionError = new QLabel;
    m_actionError->setObjectName(QStringLiteral("actionError"));
    m_actionError->setWordWrap(true);
    m_actionError->setTextFormat(Qt::RichText);
    m_actionError->setAutoFillBackground(true);
    m_actionError->setContentsMargins(8, 5, 8, 5);
    m_actionError->hide();
    connect(m_actionError, &QLabel::linkActivated, m_actionError, &QLabel::hide);

    m_runView = new RunTreeView;
    m_runView->setObjectName(QStringLiteral("runTable"));
    m_runView->setGroupModel(m_groupedRuns);
    m_runView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_runView->addActions(m_actions->runActions());
    QHeaderView *header = m_runView->header();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(false);
    const QFontMetrics metrics = m_runView->fontMetrics();
    m_runView->setColumnWidth(RunTableModel::NameColumn,
                              metrics.horizontalAdvance(QStringLiteral("steady-cascade-123___")));
    m_runView->setColumnWidth(RunTableModel::StatusColumn,
                              metrics.horizontalAdvance(QStringLiteral("Scheduled______")));
    m_runView->setColumnWidth(RunTableModel::StartColumn,
                              metrics.horizontalAdvance(QStringLiteral("2024-06-11 14:03___")));
    m_runView->setColumnWidth(RunTableModel::DurationColumn,
                              metrics.horizontalAdvance(QStringLiteral("Duration____")));
    m_runView->setColumnWidth(RunTableModel::UserColumn,
                              metrics.horizontalAdvance(QStringLiteral("username____")));
    m_runView->setSortingEnabled(true);
    m_sortKey = m_runs->columnKey(RunTableModel::StartColumn);
    m_runView->sortByColumn(RunTableModel::StartColumn, Qt::DescendingOrder);
    connect(header, &QHeaderView::sortIndicatorChanged, this,
            [this](int section, Qt::SortOrder order) {
                const QString key = m_runs->columnKey(section);
                if (!key.isEmpty()) {
                    m_sortKey = key;
                    m_sortOrder = order;
                }
            });
    // New metric and param columns get a width that fits their name and follow the column
    // chooser; the sort stays on its column wherever that column moved.
    connect(m_groupedRuns, &QAbstractItemModel::columnsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (parent.isValid())
                    return; // the same columns, under a group
                const QFontMetrics metrics = m_runView->fontMetrics();
                for (int column = first; column <= last; ++column) {
                    const QString title = m_runs->headerData(column, Qt::Horizontal).toString();
                    m_runView->setColumnWidth(
                        column, qBound(90, metrics.horizontalAdvance(title) + 36, 240));
                }
                applyHiddenColumns();
                followSortKey();
            });
    connect(m_groupedRuns, &QAbstractItemModel::columnsRemoved, this, [this] {
        applyHiddenColumns();
        followSortKey();
    });
    connect(m_groupedRuns, &QAbstractItemModel::columnsMoved, this, [this] {
        applyHiddenColumns();
        followSortKey();
    });
    connect(m_runView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ExperimentsPanel::updateDetail);
    connect(m_runView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExperimentsPanel::updateRunStatus);
    connect(m_runView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExperimentsPanel::updateCompare);
    connect(m_runView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExperimentsPanel::updateRunTargets);

    m_emptyState = new QLabel;
    m_emptyState->setObjectName(QStringLiteral("runEmptyState"));
    m_emptyState->setWordWrap(true);
    m_emptyState->setTextFormat(Qt::RichText);
    m_emptyState->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_emptyState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_emptyState->setContentsMargins(24, 16, 24, 16);

    m_runPages = new QStackedWidget;
    m_runPages->setObjectName(QStringLiteral("runPages"));
    m_runPages->insertWidget(TablePage, m_runView);
    m_runPages->insertWidget(EmptyPage, m_emptyState);

    m_runStatus = new QLabel;
    m_runStatus->setObjectName(QStringLiteral("runStatus"));
    m_runStatus->setForegroundRole(QPalette::PlaceholderText);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(4, 8, 8, 4);
    topLayout->setSpacing(6);
    topLayout->addLayout(filterRow);
    topLayout->addWidget(m_filterError);
    topLayout->addWidget(m_actionError);
    topLayout->addWidget(m_runPages, 1);
    topLayout->addWidget(m_runStatus);

    m_detail = new RunDetailPane;
    m_compare = new CompareView;
    m_compare->setObjectName(QStringLiteral("compareView"));
    m_lowerTabs = new QTabWidget;
    m_lowerTabs->setObjectName(QStringLiteral("runLowerTabs"));
    m_lowerTabs->setDocumentMode(true);
    m_lowerTabs->insertTab(DetailTab, m_detail, tr("Run"));
    m_lowerTabs->insertTab(CompareTab, m_compare, tr("Compare"));
    connect(m_lowerTabs, &QTabWidget::currentChanged, this, &ExperimentsPanel::updateCompare);

    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("runSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(top);
    split->addWidget(m_lowerTabs);
    connect(m_compareButton, &QToolButton::clicked, this, [this, split] {
        m_lowerTabs->setCurrentIndex(CompareTab);
        // Charts need room: give the compare view most of the height when it is squeezed.
        const QList<int> sizes = split->sizes();
        const int total = sizes.value(0) + sizes.value(1);
        if (sizes.value(1) < total * 3 / 5)
            split->setSizes({total * 2 / 5, total * 3 / 5});
    });
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    // The table gets most of the height; the details need a few rows of each table.
    split->setSizes({340, 290});
    return split;
}

void ExperimentsPanel::attachSession(Session &session)
{
    detachSession();
    m_attached = true;
    m_server = session.trackingServer();
    if (m_server) {
        // The server may still be binding its port; its signals come from its own thread.
        connect(m_server.data(), &tracking::TrackingServer::listening, this,
                &ExperimentsPanel::updateEmptyState);
        connect(m_server.data(), &Service::failed, this, &ExperimentsPanel::updateEmptyState);
    }
    m_feed->attach(session.tracking(), session.workspace().store());
    m_compare->attach(session.tracking());
    m_actions->attach(session.tracking());
    m_detail->attach(session.tracking());
    if (isVisible())
        m_feed->setPolling(true);
    updateEmptyState();
    updateRunStatus();
}

void ExperimentsPanel::detachSession()
{
    if (!m_attached)
        return;
    m_feed->detach();
    m_compare->detach();
    m_actions->detach();
    m_detail->detach();
    if (m_server)
        disconnect(m_server.data(), nullptr, this, nullptr);
    m_server = nullptr;
    m_attached = false;
    m_reveal.reset();
    m_experimentsKnown = false;
    m_runsKnown = false;
    m_truncated = false;
    m_loadError.clear();
    m_runs->setRuns({});
    m_experiments->setExperiments({});
    m_feed->setExperimentIds({});
    m_filterEdit->clear();
    m_filterError->hide();
    m_actionError->hide();
    m_detail->showRun(nullptr, QString(), 0);
    updateEmptyState();
    updateRunStatus();
}

void ExperimentsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_attached)
        m_feed->setPolling(true);
    m_clock->start();
    updateCompare();
}

void ExperimentsPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_feed->setPolling(false);
    m_clock->stop();
}

void ExperimentsPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        updateErrorColours();
        updateEmptyState();
    }
}

void ExperimentsPanel::onExperimentsLoaded(const QList<ExperimentEntry> &entries)
{
    const bool first = !m_experimentsKnown;
    m_experiments->setExperiments(entries);
    m_experimentsKnown = true;
    const int created = m_experiments->rowOfExperiment(m_selectOnArrival);
    if (created >= 0) {
        // The user just created it: open it.
        m_experimentView->selectionModel()->setCurrentIndex(m_experiments->index(created, 0),
                                                            QItemSelectionModel::ClearAndSelect
                                                                | QItemSelectionModel::Rows);
        m_selectOnArrival.clear();
    }
    if (first && selectedExperimentIds().isEmpty()) {
        const int row = m_experiments->rowOfExperiment(m_experiments->suggestedExperimentId());
        if (row >= 0) {
            const QModelIndex index = m_experiments->index(row, 0);
            m_experimentView->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    }
    // Rows removed from the list leave the selection without a selectionChanged signal.
    onExperimentSelectionChanged();
    updateEmptyState();
    continueReveal();
}

QStringList ExperimentsPanel::selectedExperimentIds() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_experimentView->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    QStringList ids;
    for (int row : std::as_const(rows))
        ids.append(m_experiments->entryAt(row).experiment.id);
    return ids;
}

void ExperimentsPanel::onExperimentSelectionChanged()
{
    updateExperimentTargets();
    const QStringList ids = selectedExperimentIds();
    if (ids == m_feed->experimentIds())
        return;
    m_runsKnown = false;
    m_feed->setExperimentIds(ids);
    updateEmptyState();
}

void ExperimentsPanel::onRunsLoaded(const RunListing &listing, const QString &filter)
{
    const bool firstForSelection = !m_runsKnown;
    const QSet<QString> selected = m_runView->selectedRowNames();
    const tracking::Run *currentRun = runOf(m_runView->currentIndex());
    const QString currentRunId = currentRun ? currentRun->info.runId : QString();
    m_runs->setRuns(listing.runs, listing.keys);
    // The tree takes the whole reload in one step.
    m_groupedRuns->flush();
    // Rows keep their selection through the update, except when a param or metric column came
    // or went: a row then no longer counts as wholly selected. Select the same rows again.
    if (m_runView->selectedRowNames() != selected)
        m_runView->selectRows(selected);
    // A reload that replaced most rows resets the model, which forgets the current row.
    if (!m_runView->currentIndex().isValid() && !currentRunId.isEmpty()) {
        const QModelIndex current = m_groupedRuns->indexOfRun(currentRunId);
        if (current.isValid())
            m_runView->selectionModel()->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
    }
    m_runsKnown = true;
    m_truncated = listing.truncated;
    m_loadError.clear();
    m_filterEdit->setCompletions(
        filterCompletions(m_runs->paramKeys(), m_runs->metricKeys(), m_runs->tagKeys()));
    // The runs now shown are those of the filter typed: any earlier complaint is settled.
    if (filter == m_filterEdit->text().trimmed())
        m_filterError->hide();
    if (firstForSelection && m_groupedRuns->rowCount() > 0) {
        // Names differ between experiments (generated ones, pipeline task names): fit them.
        m_runView->resizeColumnToContents(RunTableModel::NameColumn);
        m_runView->setColumnWidth(
            RunTableModel::NameColumn,
            qBound(120, m_runView->columnWidth(RunTableModel::NameColumn) + 8, 320));
        if (!m_runView->currentIndex().isValid())
            m_runView->setCurrentIndex(m_groupedRuns->index(0, 0));
    }
    updateRunTargets();
    updateDetail();
    updateRunStatus();
    updateEmptyState();
    updateCompare();
    continueReveal();
}

QStringList ExperimentsPanel::selectedRunIdsInOrder() const
{
    return m_runView->selectedRunIdsInOrder();
}

QSet<QString> ExperimentsPanel::selectedRunIds() const
{
    const QStringList ids = selectedRunIdsInOrder();
    return QSet<QString>(ids.cbegin(), ids.cend());
}

const tracking::Run *ExperimentsPanel::runOf(const QModelIndex &index) const
{
    const int shownRow = m_groupedRuns->sourceRow(index);
    if (shownRow < 0)
        return nullptr;
    const int row = m_sortedRuns->mapToSource(m_sortedRuns->index(shownRow, 0)).row();
    return row >= 0 ? &m_runs->runAt(row) : nullptr;
}

void ExperimentsPanel::updateRunTargets()
{
    QList<RunTarget> targets;
    for (const QString &id : selectedRunIdsInOrder()) {
        if (const tracking::Run *run = runOf(m_groupedRuns->indexOfRun(id)))
            targets.append({id, run->info.runName,
                            run->info.lifecycleStage == tracking::LifecycleStage::Deleted});
    }
    m_actions->setRunTargets(targets);
}

void ExperimentsPanel::updateExperimentTargets()
{
    QList<ExperimentTarget> targets;
    for (const QModelIndex &index : m_experimentView->selectionModel()->selectedRows()) {
        const tracking::Experiment &experiment = m_experiments->entryAt(index.row()).experiment;
        targets.append({experiment.id, experiment.name,
                        experiment.lifecycleStage == tracking::LifecycleStage::Deleted});
    }
    m_actions->setExperimentTargets(targets);
}

void ExperimentsPanel::onSearchFailed(const QString &filter, const QString &message)
{
    static const QRegularExpression positionPattern(QStringLiteral("at position (\\d+)"));
    const QRegularExpressionMatch match = positionPattern.match(message);
    const int position = match.hasMatch() ? match.captured(1).toInt() - 1 : -1; // 0-based

    QString html =
        QStringLiteral("<b>%1</b> %2").arg(tr("Filter not applied:"), message.toHtmlEscaped());
    html += QStringLiteral("<br>")
            + tr("The table still shows the runs of the last filter that "
                 "worked.")
                  .toHtmlEscaped();
    if (position >= 0 && position <= filter.size()) {
        // The stretch of the filter around the position, with a caret under it.
        int start = qMax(0, position - kErrorExcerpt / 2);
        const int end = qMin(int(filter.size()), start + kErrorExcerpt);
        start = qMax(0, qMin(start, end - kErrorExcerpt));
        QString excerpt = filter.mid(start, end - start);
        int caret = position - start;
        if (start > 0) {
            excerpt.prepend(QChar(0x2026));
            ++caret;
        }
        if (end < filter.size())
            excerpt.append(QChar(0x2026));
        html += QStringLiteral("<pre style=\"margin-top:4px; margin-bottom:0px\">%1\n%2^</pre>")
                    .arg(excerpt.toHtmlEscaped(), QString(caret, QLatin1Char(' ')));
        m_filterEdit->setCursorPosition(position);
    }
    m_filterError->setText(html);
    m_filterError->show();
}

void ExperimentsPanel::updateDetail()
{
    // A group row is no run: the details wait for one.
    const tracking::Run *run = runOf(m_runView->currentIndex());
    if (!run) {
        m_detail->showRun(nullptr, QString(), 0);
        return;
    }
    const int row = m_experiments->rowOfExperiment(run->info.experimentId);
    const QString experimentName =
        row >= 0 ? m_experiments->entryAt(row).experiment.name : QString();
    m_detail->showRun(run, experimentName, QDateTime::currentMSecsSinceEpoch());
}

void ExperimentsPanel::updateRunStatus()
{
    QStringList parts;
    if (!m_loadError.isEmpty()) {
        parts << tr("Could not load runs: %1").arg(m_loadError);
    } else if (m_attached && m_runsKnown && !m_feed->experimentIds().isEmpty()) {
        const int count = m_runs->rowCount();
        const bool filtered = !m_feed->filter().isEmpty();
        if (count == 0 && filtered)
            parts << tr("No runs match the filter.");
        else if (filtered)
            parts << (count == 1 ? tr("1 run matches the filter")
                                 : tr("%1 runs match the filter").arg(count));
        else
            parts << (count == 1 ? tr("1 run") : tr("%1 runs").arg(count));
        const int selected = int(selectedRunIdsInOrder().size());
        if (selected > 1)
            parts << tr("%1 selected").arg(selected);
        if (m_truncated)
            parts << tr("only the %1 newest are loaded; narrow the filter to see older ones")
                         .arg(ExperimentsFeed::kMaxRuns);
    }
    m_runStatus->setText(parts.join(QStringLiteral(" · ")));
}

void ExperimentsPanel::updateEmptyState()
{
    QString html;
    if (!m_attached) {
        html = QStringLiteral("<p>%1</p>").arg(tr("No workspace is open.").toHtmlEscaped());
    } else if (!m_experimentsKnown) {
        html = QStringLiteral("<p>%1</p>").arg(tr("Loading experiments…").toHtmlEscaped());
    } else if (m_experiments->rowCount() == 0) {
        html = QStringLiteral("<p>%1</p>")
                   .arg(tr("This workspace has no experiments. The mlflow client creates one when "
                           "it logs "
                           "its first run.")
                            .toHtmlEscaped());
    } else if (m_feed->experimentIds().isEmpty()) {
        html = QStringLiteral("<p>%1</p>")
                   .arg(tr("Select an experiment on the left to see its runs.").toHtmlEscaped());
    } else if (m_runsKnown && m_runs->rowCount() == 0 && m_feed->filter().isEmpty()) {
        QStringList names;
        for (const QString &id : m_feed->experimentIds()) {
            const int row = m_experiments->rowOfExperiment(id);
            if (row >= 0)
                names << m_experiments->entryAt(row).experiment.name;
        }
        const QString experiment = names.value(0, QStringLiteral("Default"));
        const QString heading = names.size() == 1 ? tr("No runs in “%1” yet").arg(experiment)
                                                  : tr("No runs in the selected experiments yet");
        html = QStringLiteral("<h3>%1</h3>").arg(heading.toHtmlEscaped());
        const quint16 port = m_server ? m_server->port() : 0;
        if (port == 0) {
            const QString why =
                m_server ? tr("Millrace's MLflow-compatible tracking API is not listening (yet); "
                              "if it could not start, the log says why.")
                         : tr("Millrace's MLflow-compatible tracking API is not running in this "
                              "session, so the mlflow client cannot log here yet.");
            html += QStringLiteral("<p>%1</p>").arg(why.toHtmlEscaped());
            html += QStringLiteral("<p>%1</p>")
                        .arg(tr("Runs logged into this workspace show up here within a second.")
                                 .toHtmlEscaped());
        } else {
            const QString uri = QStringLiteral("http://127.0.0.1:%1").arg(port);
            html += QStringLiteral("<p>%1</p>")
                        .arg(tr("Runs show up here within a second of being logged. Point the "
                                "mlflow client "
                                "at Millrace's tracking API, %1:")
                                 .arg(uri)
                                 .toHtmlEscaped());
            const QString shell = QStringLiteral("export MLFLOW_TRACKING_URI=%1").arg(uri);
            const QString python = QStringLiteral("import mlflow\n"
                                                  "mlflow.set_tracking_uri(\"%1\")\n"
                                                  "mlflow.set_experiment(%2)\n"
                                                  "with mlflow.start_run():\n"
                                                  "    mlflow.log_param(\"lr\", 0.01)\n"
                                                  "    mlflow.log_metric(\"acc\", 0.91)")
                                       .arg(uri, pythonString(experiment));
            // Code on the base colour, like text to copy from a field.
            const QString code =
                QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"8\" "
                               "bgcolor=\"%1\"><tr><td><pre>%2</pre></td></tr></table>")
                    .arg(palette().color(QPalette::Base).name());
            html +=
                QStringLiteral("<p>%1</p>%2<p>%3</p>%4")
                    .arg(
                        tr("In a shell, before running a script that uses mlflow:").toHtmlEscaped(),
                        code.arg(shell.toHtmlEscaped()), tr("Or in Python:").toHtmlEscaped(),
                        code.arg(python.toHtmlEscaped()));
        }
    }
    // With no runs to show, the explanation gets the whole side.
    m_lowerTabs->setVisible(html.isEmpty());
    m_runStatus->setVisible(html.isEmpty());
    if (html.isEmpty()) {
        m_runPages->setCurrentIndex(TablePage);
        return;
    }
    m_emptyState->setText(html);
    m_runPages->setCurrentIndex(EmptyPage);
}

void ExperimentsPanel::updateErrorColours()
{
    const QPalette colours = errorPalette(palette());
    m_filterError->setPalette(colours);
    m_actionError->setPalette(colours);
}

void ExperimentsPanel::applyHiddenColumns()
{
    for (int column = 0; column < m_runs->columnCount(); ++column)
        m_runView->setColumnHidden(column, m_hiddenColumns.contains(m_runs->columnKey(column)));
}

void ExperimentsPanel::followSortKey()
{
    int column = m_runs->columnOfKey(m_sortKey);
    Qt::SortOrder order = m_sortOrder;
    if (column < 0) {
        // The column sorted by is gone: back to newest first.
        column = RunTableModel::StartColumn;
        order = Qt::DescendingOrder;
    }
    QHeaderView *header = m_runView->header();
    if (header->sortIndicatorSection() != column || header->sortIndicatorOrder() != order
        || m_sortedRuns->sortColumn() != column)
        m_runView->sortByColumn(column, order);
}

void ExperimentsPanel::fillColumnsMenu()
{
    QMenu *menu = m_columnsButton->menu();
    menu->clear();
    QAction *showAll = menu->addAction(tr("Show all columns"));
    showAll->setEnabled(!m_hiddenColumns.isEmpty());
    connect(showAll, &QAction::triggered, this, [this] {
        m_hiddenColumns.clear();
        applyHiddenColumns();
    });
    auto addToggle = [this, menu](const QString &title, const QString &key) {
        QAction *action = menu->addAction(title);
        action->setCheckable(true);
        action->setChecked(!m_hiddenColumns.contains(key));
        connect(action, &QAction::toggled, this, [this, key](bool shown) {
            if (shown)
                m_hiddenColumns.remove(key);
            else
                m_hiddenColumns.insert(key);
            applyHiddenColumns();
        });
    };
    menu->addSection(tr("Run"));
    for (int column = RunTableModel::StatusColumn; column < RunTableModel::FixedColumnCount;
         ++column)
        addToggle(m_runs->headerData(column, Qt::Horizontal).toString(), m_runs->columnKey(column));
    if (!m_runs->paramKeys().isEmpty())
        menu->addSection(tr("Params"));
    for (const QString &key : m_runs->paramKeys())
        addToggle(key, QStringLiteral("params.") + key);
    if (!m_runs->metricKeys().isEmpty())
        menu->addSection(tr("Metrics"));
    for (const QString &key : m_runs->metricKeys())
        addToggle(key, QStringLiteral("metrics.") + key);
}

void ExperimentsPanel::updateCompare()
{
    const QStringList ids = selectedRunIdsInOrder();
    m_compareButton->setEnabled(!ids.isEmpty());
    m_compareButton->setText(ids.size() > 1 ? tr("Compare %1").arg(ids.size()) : tr("Compare"));
    // Charts follow the selection and live data only while they are in view.
    if (m_lowerTabs->currentIndex() != CompareTab || !m_compare->isVisible())
        return;
    QList<tracking::Run> runs;
    runs.reserve(ids.size());
    for (const QString &id : ids) {
        if (const tracking::Run *run = runOf(m_groupedRuns->indexOfRun(id)))
            runs.append(*run);
    }
    m_compare->setRuns(runs);
}

void ExperimentsPanel::revealRuns(const QStringList &experimentIds, const QStringList &runIds,
                                  bool compare)
{
    if (!m_attached || runIds.isEmpty())
        return;
    m_reveal = RunReveal{experimentIds, runIds, compare};
    // A filter could hide the runs asked for: show them all.
    if (!m_filterEdit->text().isEmpty() || !m_feed->filter().isEmpty()) {
        m_filterEdit->clear();
        m_filterError->hide();
        m_feed->search(QString());
    }
    continueReveal();
}

void ExperimentsPanel::continueReveal()
{
    if (!m_reveal || !m_experimentsKnown)
        return;
    // First the experiments (those still listed), which loads their runs...
    QStringList experimentIds;
    for (const QString &id : std::as_const(m_reveal->experimentIds)) {
        if (m_experiments->rowOfExperiment(id) >= 0 && !experimentIds.contains(id))
            experimentIds.append(id);
    }
    if (experimentIds.isEmpty()) {
        m_reveal.reset();
        return;
    }
    QStringList selected = selectedExperimentIds();
    QStringList wanted = experimentIds;
    selected.sort();
    wanted.sort();
    if (selected != wanted) {
        QItemSelectionModel *selection = m_experimentView->selectionModel();
        selection->setCurrentIndex(
            m_experiments->index(m_experiments->rowOfExperiment(experimentIds.constFirst()), 0),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        for (const QString &id : std::as_const(experimentIds).mid(1))
            selection->select(m_experiments->index(m_experiments->rowOfExperiment(id), 0),
                              QItemSelectionModel::Select | QItemSelectionModel::Rows);
        return; // onRunsLoaded() comes back here
    }
    // ...then the runs, once those of these experiments arrived without a filter.
    if (!m_runsKnown || !m_feed->filter().isEmpty())
        return;
    const RunReveal reveal = *m_reveal;
    m_reveal.reset();
    QSet<QString> rows;
    QModelIndex first;
    for (const QString &id : reveal.runIds) {
        const QModelIndex index = m_groupedRuns->indexOfRun(id);
        if (!index.isValid())
            continue; // deleted, or gone since
        rows.insert(QStringLiteral("run:") + id);
        if (!first.isValid())
            first = index;
    }
    if (!first.isValid())
        return;
    m_runView->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    m_runView->selectRows(rows);
    m_runView->scrollTo(first);
    if (reveal.compare)
        m_compareButton->click();
    else
        m_lowerTabs->setCurrentIndex(DetailTab);
}

void ExperimentsPanel::tick()
{
    m_runs->refreshRunningDurations();
    const tracking::Run *current = runOf(m_runView->currentIndex());
    if (current && current->info.status == tracking::RunStatus::Running)
        updateDetail();
}

} // namespace millrace::ui

// The Experiments panel on a large workspace, through its real widgets: 10,000 runs with 20 params
// and 20 metrics each, 100 of them with 3 metrics x 10,000 steps of history (trackingfixture.h).
// Times what a user waits for: the run table opening with all its rows (goal < 200 ms), sorting
// it by a metric and by a param column (< 200 ms), and a typed search (< 100 ms). Each time ends
// when the table shows the result and has painted it once. Runs under the offscreen platform.
// Usage: bench_experiments_gui [WORKSPACE_DIR]  (a folder to fill once and reuse; else temporary)

#include "core/base/cancellation.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "trackingfixture.h"
#include "ui/panels/experiments/compare/comparedata.h"
#include "ui/panels/experiments/compare/compareview.h"
#include "ui/panels/experiments/compare/historypage.h"
#include "ui/panels/experiments/experimentsfeed.h"
#include "ui/panels/experiments/experimentspanel.h"
#include "ui/panels/experiments/runtablemodel.h"
#include "ui/panels/experiments/trackingqueries.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QChartView>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace millrace;
using namespace millrace::tracking;

namespace {

constexpr int kRepeats = 7;
constexpr int kSmallRuns = 10; // in the experiment the table switches to and back from
const QString kSearch = QStringLiteral("metrics.metric_3 > 0.5 and params.param_1 = '5'");

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

template <typename T> T *child(const QObject &parent, const char *name)
{
    auto *found = parent.findChild<T *>(QLatin1String(name));
    if (!found)
        qFatal("the panel has no %s", name);
    return found;
}

/// Handles events until `done` holds; results of the panel's loads arrive as events.
void waitUntil(const std::function<bool()> &done)
{
    QElapsedTimer timeout;
    timeout.start();
    while (!done()) {
        if (timeout.elapsed() > 120000)
            qFatal("timed out waiting for the run table");
        // The panel's one-second clock wakes this up even when nothing else comes.
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
}

/// Lets the view lay out what changed and paints the table once, as the screen would show it.
void paint(QTreeView *view)
{
    QCoreApplication::processEvents();
    view->viewport()->repaint();
}

int columnOf(const QTreeView *view, const QString &key)
{
    const QAbstractItemModel *model = view->model();
    for (int column = 0; column < model->columnCount(); ++column) {
        if (model->headerData(column, Qt::Horizontal, ui::RunTableModel::ColumnKeyRole).toString()
            == key)
            return column;
    }
    qFatal("no column %s", qPrintable(key));
    return -1;
}

int rowOfExperiment(const QTreeView *list, const QString &name)
{
    for (int row = 0; row < list->model()->rowCount(); ++row) {
        if (list->model()->index(row, 0).data().toString() == name)
            return row;
    }
    return -1;
}

/// Clicks the experiment named `name` in the list and waits for its `runs` rows in the table.
double openExperiment(QTreeView *list, QTreeView *table, const QString &name, int runs)
{
    const QModelIndex index = list->model()->index(rowOfExperiment(list, name), 0);
    QElapsedTimer timer;
    timer.start();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualRect(index).center());
    waitUntil([&] { return table->model()->rowCount() == runs; });
    paint(table);
    return timer.nsecsElapsed() / 1e6;
}

/// Sorts `column` as a click on its header does, from the table's default order (newest first).
double sortBy(QTreeView *table, int column, Qt::SortOrder order)
{
    table->sortByColumn(ui::RunTableModel::StartColumn, Qt::DescendingOrder);
    paint(table);
    QElapsedTimer timer;
    timer.start();
    table->sortByColumn(column, order);
    paint(table);
    const double ms = timer.nsecsElapsed() / 1e6;
    // The top of a numeric column must be in order (no missing values or NaN here).
    const QAbstractItemModel *model = table->model();
    for (int row = 1; row < 50; ++row) {
        const double above =
            model->index(row - 1, column).data(ui::RunTableModel::SortRole).toDouble();
        const double below = model->index(row, column).data(ui::RunTableModel::SortRole).toDouble();
        if (order == Qt::AscendingOrder ? above > below : above < below)
            qFatal("column %d is not sorted at row %d", column, row);
    }
    return ms;
}

/// Types `filter` into the filter box, presses Enter and waits for `rows` rows in the table.
double search(QLineEdit *filter, QTreeView *table, const QString &text, int rows)
{
    filter->setText(text);
    QElapsedTimer timer;
    timer.start();
    QTest::keyClick(filter, Qt::Key_Return);
    waitUntil([&] { return table->model()->rowCount() == rows; });
    paint(table);
    return timer.nsecsElapsed() / 1e6;
}

int countMatches(const TrackingStore &tracking, const QString &experimentId, const QString &filter)
{
    int count = 0;
    QString token;
    do {
        auto page =
            tracking.searchRuns({experimentId}, filter, ViewType::ActiveOnly, 1000, {}, token);
        if (!page)
            qFatal("%s", qPrintable(page.errorMessage()));
        count += int(page->items.size());
        token = page->nextPageToken;
    } while (!token.isEmpty());
    return count;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // The offscreen platform warns that it cannot propagate size hints; not the panel's doing.
    QLoggingCategory::setFilterRules(QStringLiteral("default.warning=false"));

    // A workspace folder on the command line is filled once and reused by later runs, which
    // saves the fill's minutes while profiling; by default the workspace is temporary.
    QTemporaryDir dir;
    const QString root =
        argc > 1 ? QString::fromLocal8Bit(argv[1]) : dir.filePath(QStringLiteral("workspace"));
    SessionOptions options;
    options.trackingServer = false;
    auto opened = Session::open(root, options);
    if (!opened)
        qFatal("%s", qPrintable(opened.errorMessage()));
    Session &session = **opened;
    TrackingStore &tracking = session.tracking();

    auto large = tracking.experimentByName(QStringLiteral("large"));
    QString largeId = large ? large->id : QString();
    if (largeId.isEmpty()) {
        auto small = tracking.createExperiment(QStringLiteral("small"));
        auto created = tracking.createExperiment(QStringLiteral("large"));
        if (!small || !created)
            qFatal("could not create the experiments");
        largeId = *created;
        QElapsedTimer fill;
        fill.start();
        for (int r = 0; r < kSmallRuns; ++r) {
            if (!tracking.createRun(*small, QStringLiteral("bench"),
                                    QStringLiteral("small-%1").arg(r), 1600000000000 + r, {}))
                qFatal("could not create a run");
        }
        bench::fillLargeExperiment(tracking, largeId);
        report("experiments_gui_fill_10k_runs_3m_points", fill.elapsed() / 1000.0, "s");
    }
    const int matches = countMatches(tracking, largeId, kSearch);
    if (matches == 0 || matches >= bench::kRuns)
        qFatal("the search should narrow the table, found %d runs", matches);

    // What the panel's background load reads, without widgets: the runs, and the change stamp
    // it polls. The table's open and search times include both.
    const std::vector<double> reads = [&] {
        std::vector<double> queryMs, stampMs;
        for (int i = 0; i < 3; ++i) {
            QElapsedTimer timer;
            timer.start();
            auto listing =
                ui::loadRuns(tracking, {largeId}, QString(), false, ui::ExperimentsFeed::kMaxRuns);
            if (!listing || listing->runs.size() != bench::kRuns)
                qFatal("loading the runs failed");
            queryMs.push_back(timer.nsecsElapsed() / 1e6);
            timer.start();
            if (!ui::readChangeStamp(session.workspace().store(), {largeId}))
                qFatal("reading the change stamp failed");
            stampMs.push_back(timer.nsecsElapsed() / 1e6);
        }
        return std::vector<double>{median(queryMs), median(stampMs)};
    }();
    report("experiments_load_runs_10k", reads[0], "ms");
    // What the compare chart reads in its job: 100 runs x 3 histories of 10,000 points, smoothed
    // and downsampled for drawing.
    {
        // The runs with histories are the ones with a curve (found again for a reused workspace).
        auto withCurves = tracking.searchRuns({largeId}, QStringLiteral("metrics.curve_0 >= 0"),
                                              ViewType::ActiveOnly, 1000, {}, QString());
        if (!withCurves || withCurves->items.size() != bench::kHistoryRuns)
            qFatal("the runs with histories are not there");
        ui::HistoryRequest request;
        for (const Run &run : std::as_const(withCurves->items))
            request.runIds.append(run.info.runId);
        for (int k = 0; k < bench::kHistoryMetrics; ++k)
            request.keys.append(QStringLiteral("curve_%1").arg(k));
        std::vector<double> loads;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer timer;
            timer.start();
            auto series = ui::loadHistories(tracking, request, CancellationToken());
            if (!series || series->size() != bench::kHistoryRuns * bench::kHistoryMetrics)
                qFatal("loading the histories failed");
            loads.push_back(timer.nsecsElapsed() / 1e6);
        }
        report("experiments_compare_load_histories_100_runs_3_metrics", median(loads), "ms");
    }
    report("experiments_change_stamp_10k", reads[1], "ms");

    ui::ExperimentsPanel panel;
    panel.resize(1400, 900);
    panel.show();
    if (!QTest::qWaitForWindowExposed(&panel))
        qFatal("the panel did not show");
    auto *list = child<QTreeView>(panel, "experimentList");
    auto *table = child<QTreeView>(panel, "runTable");
    auto *filter = child<QLineEdit>(panel, "runFilter");

    // Attaching lists the experiments and opens the one with the newest run: the large one.
    QElapsedTimer attach;
    attach.start();
    panel.attachSession(session);
    waitUntil([&] { return table->model()->rowCount() == bench::kRuns; });
    paint(table);
    report("experiments_gui_attach_open_10k_runs", attach.nsecsElapsed() / 1e6, "ms");

    std::vector<double> opens;
    for (int i = 0; i < kRepeats; ++i) {
        openExperiment(list, table, QStringLiteral("small"), kSmallRuns);
        opens.push_back(openExperiment(list, table, QStringLiteral("large"), bench::kRuns));
    }
    report("experiments_gui_table_open_10k_runs", median(opens), "ms");

    const int metricColumn = columnOf(table, QStringLiteral("metrics.metric_7"));
    const int paramColumn = columnOf(table, QStringLiteral("params.param_3"));
    std::vector<double> metricSorts, paramSorts, nameSorts;
    for (int i = 0; i < kRepeats; ++i) {
        const Qt::SortOrder order = i % 2 ? Qt::AscendingOrder : Qt::DescendingOrder;
        metricSorts.push_back(sortBy(table, metricColumn, order));
        paramSorts.push_back(sortBy(table, paramColumn, order));
        nameSorts.push_back(sortBy(table, ui::RunTableModel::NameColumn, order));
    }
    report("experiments_gui_sort_metric_10k_runs", median(metricSorts), "ms");
    report("experiments_gui_sort_param_10k_runs", median(paramSorts), "ms");
    // Names are texts, compared with the locale's collation: the slowest kind of column.
    report("experiments_gui_sort_name_10k_runs", median(nameSorts), "ms");
    table->sortByColumn(ui::RunTableModel::StartColumn, Qt::DescendingOrder);

    std::vector<double> searches, clears;
    for (int i = 0; i < kRepeats; ++i) {
        searches.push_back(search(filter, table, kSearch, matches));
        clears.push_back(search(filter, table, QString(), bench::kRuns));
    }
    report("experiments_gui_search_10k_runs", median(searches), "ms");
    report("experiments_gui_search_cleared_10k_runs", median(clears), "ms");

    // The compare chart: the runs with history selected in the table, the Compare button clicked,
    // until their metric histories are drawn (read, downsampled, charted and painted).
    QItemSelection selection;
    const int lastColumn = table->model()->columnCount() - 1;
    for (int row = 0; row < table->model()->rowCount(); ++row) {
        const QModelIndex name = table->model()->index(row, ui::RunTableModel::NameColumn);
        const QString text = name.data().toString();
        if (text.startsWith(QLatin1String("run-")) && text.mid(4).toInt() < bench::kHistoryRuns)
            selection.select(table->model()->index(row, 0), table->model()->index(row, lastColumn));
    }
    table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    auto *compareButton = child<QToolButton>(panel, "compareRuns");
    auto *compare = child<ui::CompareView>(panel, "compareView");
    ui::HistoryPage *history = compare->historyPage();
    int historyUpdates = 0;
    QObject::connect(compare, &ui::CompareView::pageUpdated, compare,
                     [&historyUpdates](ui::CompareView::Page page) {
                         if (page == ui::CompareView::HistoryTab)
                             ++historyUpdates;
                     });
    const int expectedSeries = bench::kHistoryRuns * bench::kHistoryMetrics;
    auto drawn = [&](int updatesBefore) {
        waitUntil([&] {
            return historyUpdates > updatesBefore && history->series().size() == expectedSeries;
        });
        QCoreApplication::processEvents();
        history->chartView()->viewport()->repaint();
    };
    QElapsedTimer timer;
    timer.start();
    int before = historyUpdates;
    QTest::mouseClick(compareButton, Qt::LeftButton);
    drawn(before);
    report("experiments_gui_compare_chart_first_open_100_runs_3_metrics",
           timer.nsecsElapsed() / 1e6, "ms");
    // Again with fresh reads: each smoothing setting is a new chart of the same runs.
    std::vector<double> charts;
    for (int i = 1; i <= kRepeats; ++i) {
        timer.start();
        before = historyUpdates;
        history->setSmoothing(i % 2 ? 0.3 : 0.0);
        drawn(before);
        charts.push_back(timer.nsecsElapsed() / 1e6);
    }
    report("experiments_gui_compare_chart_100_runs_3_metrics", median(charts), "ms");

    panel.detachSession();
    return 0;
}

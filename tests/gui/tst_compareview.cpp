// The compare view as a user meets it: three runs selected in the Experiments panel's table, the
// Compare button clicked, and every chart type showing the right series for them. Then the
// settings (axis, smoothing, log scale, aggregate), brushing on parallel coordinates, export and
// live updates. Real widgets under the offscreen platform, a real workspace; nothing waits a fixed
// time.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/compare/barpage.h"
#include "ui/panels/experiments/compare/comparediffmodel.h"
#include "ui/panels/experiments/compare/comparepage.h"
#include "ui/panels/experiments/compare/compareview.h"
#include "ui/panels/experiments/compare/diffpage.h"
#include "ui/panels/experiments/compare/historypage.h"
#include "ui/panels/experiments/compare/parallelcoordinates.h"
#include "ui/panels/experiments/compare/parallelpage.h"
#include "ui/panels/experiments/compare/scatterpage.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemView>
#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineSeries>
#include <QListWidget>
#include <QLogValueAxis>
#include <QLoggingCategory>
#include <QScatterSeries>
#include <QScopeGuard>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>
#include <QValueAxis>

#include <cmath>
#include <memory>

using namespace millrace::ui;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

const qint64 kStart = QDateTime(QDate(2024, 6, 11), QTime(9, 0)).toMSecsSinceEpoch();
// gamma's loss has this many points: enough to be downsampled (and banded) in a chart of three.
constexpr int kLongHistory = 6000;

struct RunSpec
{
    QString name;
    QString lr;
    QString optimizer;
    double lossScale; ///< loss at step s is lossScale / (s + 1)
    int steps;
    double acc;
};

const QList<RunSpec> kRuns = {
    {u"alpha"_s, u"0.1"_s, u"adam"_s, 2.0, 20, 0.81},
    {u"beta"_s, u"0.01"_s, u"sgd"_s, 1.0, 20, 0.86},
    {u"gamma"_s, u"0.001"_s, u"adam"_s, 0.5, kLongHistory, 0.91},
    {u"delta"_s, u"0.01"_s, u"sgd"_s, 3.0, 10, 0.52}, // in the table, not selected
};

double lossAt(const RunSpec &spec, int step)
{
    return spec.lossScale / (step + 1);
}

/// Logs the runs: params, a loss history, an accuracy history of 5 points and a one-off score.
QMap<QString, QString> logRuns(TrackingStore &tracking, const QString &experimentId)
{
    QMap<QString, QString> ids;
    qint64 start = kStart;
    for (const RunSpec &spec : kRuns) {
        auto run = tracking.createRun(experimentId, u"ada"_s, spec.name, start, {});
        if (!run)
            return {};
        QList<MetricPoint> points;
        for (int step = 0; step < spec.steps; ++step) {
            points.append({u"loss"_s, lossAt(spec, step), start + 1000 * (step + 1), step});
            if (points.size() == kMaxMetricsPerBatch) {
                if (!tracking.logBatch(run->info.runId, points, {}, {}))
                    return {};
                points.clear();
            }
        }
        for (int step = 0; step < 5; ++step)
            points.append({u"acc"_s, spec.acc - 0.1 * (4 - step), start + 500 * step, step});
        points.append({u"score"_s, spec.acc * 100, start, 0});
        if (!tracking.logBatch(run->info.runId, points,
                               {{u"lr"_s, spec.lr}, {u"optimizer"_s, spec.optimizer}}, {}))
            return {};
        if (!tracking.updateRun(run->info.runId, RunStatus::Finished, start + 100000))
            return {};
        ids.insert(spec.name, run->info.runId);
        start += 60000;
    }
    return ids;
}

void clickRun(QAbstractItemView *view, const QString &name, Qt::KeyboardModifiers modifiers = {})
{
    const QModelIndex index =
        view->model()->index(int(shownNames(view).indexOf(name)), RunTableModel::NameColumn);
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers,
                      view->visualRect(index).center());
}

template <typename Series> QList<Series *> seriesOf(QChartView *view)
{
    QList<Series *> found;
    for (QAbstractSeries *series : view->chart()->series()) {
        if (auto *typed = qobject_cast<Series *>(series))
            found.append(typed);
    }
    return found;
}

QStringList seriesNames(const QList<QLineSeries *> &series)
{
    QStringList names;
    for (const QLineSeries *line : series)
        names.append(line->name());
    names.sort();
    return names;
}

QLineSeries *lineNamed(QChartView *view, const QString &name)
{
    for (QLineSeries *line : seriesOf<QLineSeries>(view)) {
        if (line->name() == name)
            return line;
    }
    return nullptr;
}

QBarSet *barSetNamed(QChartView *view, const QString &label)
{
    for (QBarSeries *series : seriesOf<QBarSeries>(view)) {
        for (QBarSet *set : series->barSets()) {
            if (set->label() == label)
                return set;
        }
    }
    return nullptr;
}

QPointF scatterPointOf(QChartView *view, const QString &name)
{
    for (QScatterSeries *series : seriesOf<QScatterSeries>(view)) {
        if (series->name() == name && series->count() == 1)
            return series->at(0);
    }
    return QPointF(-999, -999);
}

} // namespace

class TestCompareView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyChartShowsTheSelectedRuns();
    void screenshots();

private:
    QTemporaryDir m_settingsDir;
};

void TestCompareView::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_compareview"_s);
}

void TestCompareView::everyChartShowsTheSelectedRuns()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto experiment = tracking.createExperiment(u"compare-me"_s);
    VERIFY_OK(experiment);
    const QMap<QString, QString> ids = logRuns(tracking, *experiment);
    QCOMPARE(ids.size(), kRuns.size());

    millrace::LogBus bus;
    MainWindow window(&bus);
    showExperiments(window, *workspace.session, QSize(1400, 960));
    if (QTest::currentTestFailed())
        return;
    auto *table = child<QAbstractItemView>(window, "runTable");
    auto *button = child<QToolButton>(window, "compareRuns");
    auto *tabs = child<QTabWidget>(window, "runLowerTabs");
    auto *compare = child<CompareView>(window, "compareView");
    QVERIFY(table && button && tabs && compare);
    QTRY_COMPARE(table->model()->rowCount(), kRuns.size());

    // Select three runs as a user does, and open the comparison.
    clickRun(table, u"alpha"_s);
    clickRun(table, u"beta"_s, Qt::ControlModifier);
    clickRun(table, u"gamma"_s, Qt::ControlModifier);
    QCOMPARE(table->selectionModel()->selectedRows().size(), 3);
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(tabs->currentWidget(), compare);
    QCOMPARE(compare->runs().size(), 3);
    QCOMPARE(compare->currentPage(), CompareView::HistoryTab);

    // Metric history: both metrics with a history, one line per run and metric, in run colours.
    HistoryPage *history = compare->historyPage();
    QCOMPARE(history->chosenKeys(), (QStringList{u"acc"_s, u"loss"_s}));
    QTRY_COMPARE(history->series().size(), 6);
    QChartView *historyChart = history->chartView();
    QTRY_COMPARE(seriesNames(seriesOf<QLineSeries>(historyChart)),
                 (QStringList{u"alpha · acc"_s, u"alpha · loss"_s, u"beta · acc"_s,
                              u"beta · loss"_s, u"gamma · acc"_s, u"gamma · loss"_s}));
    QLineSeries *alphaLoss = lineNamed(historyChart, u"alpha · loss"_s);
    QCOMPARE(alphaLoss->count(), 20);
    QCOMPARE(alphaLoss->at(19), QPointF(19, lossAt(kRuns[0], 19)));
    QCOMPARE(lineNamed(historyChart, u"alpha · acc"_s)->pen().color(), alphaLoss->pen().color());
    QVERIFY(lineNamed(historyChart, u"beta · loss"_s)->pen().color() != alphaLoss->pen().color());
    // gamma's long loss is downsampled, keeps its ends, and gets a min/max band.
    QLineSeries *gammaLoss = lineNamed(historyChart, u"gamma · loss"_s);
    QVERIFY(gammaLoss->count() < kLongHistory);
    QCOMPARE(gammaLoss->at(0), QPointF(0, lossAt(kRuns[2], 0)));
    QCOMPARE(gammaLoss->at(gammaLoss->count() - 1).x(), double(kLongHistory - 1));
    QCOMPARE(seriesOf<QAreaSeries>(historyChart).size(), 1);

    // Relative time: every line starts at 0 s from the run's first point.
    history->setAxis(HistoryAxis::RelativeTime);
    QTRY_VERIFY(lineNamed(historyChart, u"alpha · loss"_s)
                && lineNamed(historyChart, u"alpha · loss"_s)->at(1).x() == 1.0);
    QCOMPARE(lineNamed(historyChart, u"alpha · loss"_s)->at(0).x(), 0.0);
    history->setAxis(HistoryAxis::Step);
    // Smoothing pulls later points towards earlier ones but leaves the first one as logged.
    history->setSmoothing(0.9);
    QTRY_VERIFY(lineNamed(historyChart, u"alpha · loss"_s)
                && lineNamed(historyChart, u"alpha · loss"_s)->at(19).y()
                       > lossAt(kRuns[0], 19) * 2);
    QCOMPARE(lineNamed(historyChart, u"alpha · loss"_s)->at(0).y(), lossAt(kRuns[0], 0));
    history->setSmoothing(0);
    history->setLogScale(true);
    QTRY_VERIFY(
        !historyChart->chart()->axes(Qt::Vertical).isEmpty()
        && qobject_cast<QLogValueAxis *>(historyChart->chart()->axes(Qt::Vertical).first()));
    history->setLogScale(false);

    // Bars: one set per run, one category per chosen metric, the last values.
    compare->setCurrentPage(CompareView::BarTab);
    BarPage *bars = compare->barPage();
    bars->setChosenKeys({u"acc"_s, u"score"_s});
    QList<QBarSeries *> barSeries = seriesOf<QBarSeries>(bars->chartView());
    QCOMPARE(barSeries.size(), 1);
    QCOMPARE(barSeries[0]->count(), 3);
    // Runs in the table's order, newest first.
    QCOMPARE(barSeries[0]->barSets()[0]->label(), u"gamma"_s);
    QCOMPARE(barSeries[0]->barSets()[2]->label(), u"alpha"_s);
    QCOMPARE(barSetNamed(bars->chartView(), u"beta"_s)->at(0), kRuns[1].acc);
    QCOMPARE(barSetNamed(bars->chartView(), u"beta"_s)->at(1), kRuns[1].acc * 100);
    QCOMPARE(barSetNamed(bars->chartView(), u"alpha"_s)->color(),
             lineNamed(historyChart, u"alpha · loss"_s)->pen().color());
    // Lowest values come from the whole history.
    bars->setAggregate(BarPage::Aggregate::Min);
    QTRY_COMPARE(barSetNamed(bars->chartView(), u"alpha"_s)->at(0), kRuns[0].acc - 0.4);

    // Scatter: one point per run, any param across, any metric up.
    compare->setCurrentPage(CompareView::ScatterTab);
    ScatterPage *scatter = compare->scatterPage();
    scatter->setAxes(u"params.lr"_s, u"metrics.acc"_s);
    QCOMPARE(seriesOf<QScatterSeries>(scatter->chartView()).size(), 3);
    QCOMPARE(scatterPointOf(scatter->chartView(), u"alpha"_s), QPointF(0.1, kRuns[0].acc));
    QCOMPARE(scatterPointOf(scatter->chartView(), u"gamma"_s), QPointF(0.001, kRuns[2].acc));
    // Text params become categories, in sorted order.
    scatter->setAxes(u"params.optimizer"_s, u"metrics.score"_s);
    QCOMPARE(scatterPointOf(scatter->chartView(), u"alpha"_s), QPointF(0, kRuns[0].acc * 100));
    QCOMPARE(scatterPointOf(scatter->chartView(), u"beta"_s), QPointF(1, kRuns[1].acc * 100));

    // Parallel coordinates: brushing lr narrows every other page to the runs inside.
    compare->setCurrentPage(CompareView::ParallelTab);
    ParallelPage *parallel = compare->parallelPage();
    QVERIFY(parallel->chosenKeys().contains(u"params.lr"_s));
    parallel->coordinates()->setBrush(u"params.lr"_s, 0.005, 0.5);
    QCOMPARE(parallel->coordinates()->passingRunIds(),
             (QStringList{ids[u"beta"_s], ids[u"alpha"_s]}));
    QCOMPARE(compare->shownRunIds(), (QStringList{ids[u"beta"_s], ids[u"alpha"_s]}));
    // Pages out of view catch up when their tab is chosen.
    compare->setCurrentPage(CompareView::HistoryTab);
    QTRY_COMPARE(
        seriesNames(seriesOf<QLineSeries>(historyChart)),
        (QStringList{u"alpha · acc"_s, u"alpha · loss"_s, u"beta · acc"_s, u"beta · loss"_s}));
    compare->setCurrentPage(CompareView::DiffTab);
    QCOMPARE(compare->diffPage()->model()->columnCount(), 2);
    parallel->coordinates()->clearBrushes();
    QCOMPARE(compare->shownRunIds().size(), 3);
    QCOMPARE(compare->diffPage()->model()->columnCount(), 3);

    // Diff: runs side by side; lr differs, optimizer differs, user does not.
    compare->setCurrentPage(CompareView::DiffTab);
    CompareDiffModel *diff = compare->diffPage()->model();
    QCOMPARE(diff->headerData(0, Qt::Horizontal).toString(), u"gamma"_s);
    int lrRow = -1, userRow = -1;
    for (int row = 0; row < diff->rowCount(); ++row) {
        const QString key =
            diff->headerData(row, Qt::Vertical, CompareDiffModel::RowKeyRole).toString();
        if (key == u"params.lr"_s)
            lrRow = row;
        if (key == u"attributes.user_id"_s || key == u"attributes.user"_s)
            userRow = row;
    }
    QVERIFY(lrRow >= 0);
    QCOMPARE(diff->index(lrRow, 1).data().toString(), u"0.01"_s); // beta
    QVERIFY(diff->index(lrRow, 0).data(CompareDiffModel::DiffersRole).toBool());
    if (userRow >= 0)
        QVERIFY(!diff->index(userRow, 0).data(CompareDiffModel::DiffersRole).toBool());

    // Export: the history chart as PNG and SVG, its data as CSV.
    compare->setCurrentPage(CompareView::HistoryTab);
    QTemporaryDir out;
    QVERIFY(out.isValid());
    VERIFY_OK(compare->exportImage(out.filePath(u"history.png"_s)));
    const QImage png(out.filePath(u"history.png"_s));
    QVERIFY(!png.isNull());
    QCOMPARE(png.width(), history->chartView()->width() * 2);
    VERIFY_OK(compare->exportImage(out.filePath(u"history.svg"_s)));
    QFile svg(out.filePath(u"history.svg"_s));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("<path") || svgText.contains("<polyline"));
    VERIFY_OK(compare->exportCsv(out.filePath(u"history.csv"_s)));
    QFile csv(out.filePath(u"history.csv"_s));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QVERIFY(lines.first().startsWith("run_id,run_name,metric,step,value"));
    QVERIFY(lines.size() > 40);
    // A folder that does not exist: a message, and nothing written.
    const auto refused = compare->exportImage(out.filePath(u"missing/history.png"_s));
    QVERIFY(!refused);
    QVERIFY(refused.errorMessage().contains(u"missing"_s));

    // Live: a point logged to alpha shows up in the open chart.
    VERIFY_OK(
        tracking.logBatch(ids[u"alpha"_s], {{u"loss"_s, 0.001, kStart + 999000, 20}}, {}, {}));
    QTRY_VERIFY_WITH_TIMEOUT(lineNamed(historyChart, u"alpha · loss"_s)
                                 && lineNamed(historyChart, u"alpha · loss"_s)->count() == 21,
                             10000);
    QCOMPARE(lineNamed(historyChart, u"alpha · loss"_s)->at(20), QPointF(20, 0.001));

    window.detachSession();
}

void TestCompareView::screenshots()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
    }
    QVERIFY(QDir().mkpath(outDir));

    // A learning-rate sweep as a user would compare it: five runs of 30 epochs.
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
    VERIFY_OK(experiment);
    const QList<std::tuple<QString, double, QString, double>> sweep = {
        {u"lr-0.1"_s, 0.1, u"sgd"_s, 0.62},       {u"lr-0.03"_s, 0.03, u"sgd"_s, 0.78},
        {u"lr-0.01"_s, 0.01, u"adam"_s, 0.90},    {u"lr-0.003"_s, 0.003, u"adam"_s, 0.915},
        {u"lr-0.001"_s, 0.001, u"adam"_s, 0.884},
    };
    qint64 start = QDateTime::currentMSecsSinceEpoch() - 6 * 3600000;
    int seed = 1;
    for (const auto &[name, lr, optimizer, best] : sweep) {
        auto run = tracking.createRun(*experiment, u"ada"_s, name, start, {});
        VERIFY_OK(run);
        QList<MetricPoint> points;
        for (int epoch = 0; epoch < 30; ++epoch) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            const double noise = ((seed % 1000) / 1000.0 - 0.5) * 0.02;
            const double progress = 1 - std::exp(-(epoch + 1) * (0.08 + lr * 2));
            const double accuracy = 0.1 + (best - 0.1) * progress + noise;
            const qint64 when = start + 60000 * (epoch + 1);
            points.append({u"val_accuracy"_s, accuracy, when, epoch});
            points.append({u"val_loss"_s, 2.3 * (1 - progress) + (1 - best) + noise, when, epoch});
        }
        VERIFY_OK(tracking.logBatch(run->info.runId, points,
                                    {{u"lr"_s, QString::number(lr)},
                                     {u"optimizer"_s, optimizer},
                                     {u"batch_size"_s, lr > 0.02 ? u"256"_s : u"128"_s}},
                                    {}));
        VERIFY_OK(tracking.updateRun(run->info.runId, RunStatus::Finished, start + 1900000));
        start += 2000000;
    }

    millrace::LogBus bus;
    MainWindow window(&bus);
    window.resize(1400, 960);
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restore = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.attachSession(*workspace.session);
    clickExperiments(window);
    if (QTest::currentTestFailed())
        return;
    auto *table = child<QAbstractItemView>(window, "runTable");
    QTRY_COMPARE(table->model()->rowCount(), sweep.size());
    table->selectAll();
    QTest::mouseClick(child<QToolButton>(window, "compareRuns"), Qt::LeftButton);
    auto *compare = child<CompareView>(window, "compareView");
    compare->historyPage()->setChosenKeys({u"val_accuracy"_s});
    QTRY_COMPARE(compare->historyPage()->series().size(), sweep.size());
    QTRY_COMPARE(seriesOf<QLineSeries>(compare->historyPage()->chartView()).size(), sweep.size());
    const QString history = QDir(outDir).filePath(u"panel-compare.png"_s);
    QVERIFY2(window.grab().toImage().save(history), qPrintable(history));

    compare->setCurrentPage(CompareView::ParallelTab);
    compare->parallelPage()->setChosenKeys({u"params.lr"_s, u"params.optimizer"_s,
                                            u"params.batch_size"_s, u"metrics.val_loss"_s,
                                            u"metrics.val_accuracy"_s});
    compare->parallelPage()->coordinates()->setBrush(u"metrics.val_accuracy"_s, 0.85, 1.0);
    int above = 0;
    for (const Run &run : compare->runs())
        above += CompareRunSet::latestMetric(run, u"val_accuracy"_s) >= 0.85 ? 1 : 0;
    QVERIFY(above > 0 && above < sweep.size());
    QCOMPARE(compare->shownRunIds().size(), above);
    const QString parallel = QDir(outDir).filePath(u"panel-compare-parallel.png"_s);
    QVERIFY2(compare->grab().toImage().save(parallel), qPrintable(parallel));
    window.detachSession();
}

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"

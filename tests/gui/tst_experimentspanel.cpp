// The Experiments panel as a user meets it, in the main window on a real workspace: runs logged
// through the tracking store appear, sort by a clicked header, narrow with a typed filter, keep the
// table when the filter is bad (saying where), and follow the store live. Real widgets are
// clicked under the offscreen platform; nothing waits a fixed time.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/tracking/trackingserver.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QCompleter>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLoggingCategory>
#include <QMenu>
#include <QScopeGuard>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

#include <cmath>
#include <limits>
#include <memory>

using millrace::ui::MainWindow;
using millrace::ui::RunTableModel;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const qint64 kDay = QDateTime(QDate(2024, 6, 11), QTime(9, 0)).toMSecsSinceEpoch();

int rowOf(const QTreeView *view, const QString &runName)
{
    return shownNames(view).indexOf(runName);
}

/// What the table shows for run `runName` in column `key`.
QString shownCell(const QTreeView *view, const QString &runName, const QString &key)
{
    const int row = rowOf(view, runName);
    const int column = columnOf(view, key);
    if (row < 0 || column < 0)
        return u"<no such cell>"_s;
    return view->model()->index(row, column).data().toString();
}

/// Clicks the header of `column` where a user would, scrolling it into view first.
void clickHeader(QTreeView *view, int column)
{
    view->scrollTo(view->model()->index(0, column));
    QHeaderView *header = view->header();
    const QPoint middle(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                        header->height() / 2);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, middle);
}

/// Clicks the row of `runName` (in its name cell), with `modifiers` held.
void clickRun(QTreeView *view, const QString &runName, Qt::KeyboardModifiers modifiers = {})
{
    const QModelIndex index = view->model()->index(rowOf(view, runName), RunTableModel::NameColumn);
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers,
                      view->visualRect(index).center());
}

/// Replaces the filter's text as a user would (select all, type) and presses Enter.
void typeFilter(QLineEdit *filter, const QString &text)
{
    QTest::keyClick(filter, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(filter, Qt::Key_Backspace);
    QTest::keyClicks(filter, text);
    QTest::keyClick(filter, Qt::Key_Return);
}

QStringList selectedRunNames(const QTreeView *view)
{
    QStringList names;
    for (const QModelIndex &index : view->selectionModel()->selectedRows(RunTableModel::NameColumn))
        names.append(index.data().toString());
    names.sort();
    return names;
}

QStringList tableTexts(const QTableView *view, int column)
{
    QStringList texts;
    for (int row = 0; row < view->model()->rowCount(); ++row)
        texts.append(view->model()->index(row, column).data().toString());
    return texts;
}

QStringList experimentNames(const QTreeView *view)
{
    QStringList names;
    for (int row = 0; row < view->model()->rowCount(); ++row)
        names.append(view->model()->index(row, 0).data().toString());
    return names;
}

MetricPoint metric(const QString &key, double value, qint64 step, qint64 timestamp)
{
    return MetricPoint{key, value, timestamp, step};
}

/// Creates a finished run with params and metrics in `experimentId`; returns its id.
QString logRun(TrackingStore &tracking, const QString &experimentId, const QString &name,
               qint64 start, const QList<QPair<QString, QString>> &params,
               const QList<MetricPoint> &metrics,
               std::optional<RunStatus> end = RunStatus::Finished)
{
    auto run = tracking.createRun(experimentId, u"ada"_s, name, start, {});
    if (!run) {
        qWarning().noquote() << run.errorMessage();
        return QString();
    }
    const QString id = run->info.runId;
    auto logged =
        tracking.logBatch(id, metrics, params, {{u"mlflow.source.name"_s, u"train.py"_s}});
    if (!logged)
        qWarning().noquote() << logged.errorMessage();
    if (end) {
        auto updated = tracking.updateRun(id, end, start + 95000 + 1000 * (start % 7));
        if (!updated)
            qWarning().noquote() << updated.errorMessage();
    }
    return id;
}

} // namespace

class TestExperimentsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void runsSortFilterAndFollowTheStore();
    void emptyStateSaysHowToLogRuns();
    void deletedExperimentsShowOnRequest();
    void filterCompletesNamesFromTheRuns();
    void columnsCanBeHidden();
    void screenshot();

private:
    QTemporaryDir m_settingsDir;
};

void TestExperimentsPanel::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_experimentspanel"_s);
    QVERIFY(QSettings().fileName().startsWith(m_settingsDir.path()));
}

void TestExperimentsPanel::init()
{
    QSettings settings;
    settings.clear();
    settings.sync();
}

void TestExperimentsPanel::runsSortFilterAndFollowTheStore()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    // An older run elsewhere, which the panel must not mix in.
    QVERIFY(!logRun(tracking, u"0"_s, u"elsewhere"_s, kDay - 3600000, {{u"lr"_s, u"0.1"_s}},
                    {metric(u"acc"_s, 0.99, 1, kDay)})
                 .isEmpty());
    auto experiment = tracking.createExperiment(u"fashion-cnn"_s);
    VERIFY_OK(experiment);
    QMap<QString, QString> ids;
    const QList<std::tuple<QString, QString, double>> runs = {
        {u"run-a"_s, u"0.1"_s, 0.3},   {u"run-b"_s, u"0.01"_s, 0.7}, {u"run-c"_s, u"0.001"_s, 0.2},
        {u"run-d"_s, u"0.05"_s, kNaN}, {u"run-e"_s, u"0.1"_s, -1},
    };
    qint64 start = kDay;
    for (const auto &[name, lr, acc] : runs) {
        QList<MetricPoint> metrics{metric(u"loss"_s, 0.5, 1, start + 1000)};
        if (acc >= 0 || std::isnan(acc))
            metrics.append(metric(u"acc"_s, acc, 1, start + 1000));
        ids[name] = logRun(tracking, *experiment, name, start, {{u"lr"_s, lr}}, metrics);
        QVERIFY(!ids[name].isEmpty());
        start += 60000;
    }

    millrace::LogBus bus;
    MainWindow window(&bus);
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *experiments = child<QTreeView>(window, "experimentList");
    auto *filter = child<QLineEdit>(window, "runFilter");
    auto *error = child<QLabel>(window, "runFilterError");
    auto *status = child<QLabel>(window, "runStatus");
    QVERIFY(view && experiments && filter && error && status);

    // The experiment with the newest run opens, its runs newest first.
    QTRY_COMPARE(shownNames(view),
                 (QStringList{u"run-e"_s, u"run-d"_s, u"run-c"_s, u"run-b"_s, u"run-a"_s}));
    QCOMPARE(experiments->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(experiments->selectionModel()->selectedRows().at(0).data().toString(),
             u"fashion-cnn"_s);
    QVERIFY(view->isVisible());
    QCOMPARE(status->text(), u"5 runs"_s);
    // NaN reads NaN; a metric a run never logged stays empty.
    QCOMPARE(shownCell(view, u"run-d"_s, u"metrics.acc"_s), u"NaN"_s);
    QCOMPARE(shownCell(view, u"run-e"_s, u"metrics.acc"_s), QString());
    QCOMPARE(shownCell(view, u"run-b"_s, u"params.lr"_s), u"0.01"_s);
    QCOMPARE(shownCell(view, u"run-b"_s, u"attributes.status"_s), u"Finished"_s);

    // Clicking the accuracy header sorts by it, NaN and missing values last either way.
    const int acc = columnOf(view, u"metrics.acc"_s);
    QVERIFY(acc >= RunTableModel::FixedColumnCount);
    clickHeader(view, acc);
    QCOMPARE(view->header()->sortIndicatorSection(), acc);
    const QStringList ascending{u"run-c"_s, u"run-a"_s, u"run-b"_s, u"run-d"_s, u"run-e"_s};
    const QStringList descending{u"run-b"_s, u"run-a"_s, u"run-c"_s, u"run-d"_s, u"run-e"_s};
    const bool wasAscending = view->header()->sortIndicatorOrder() == Qt::AscendingOrder;
    QCOMPARE(shownNames(view), wasAscending ? ascending : descending);
    clickHeader(view, acc);
    QCOMPARE(shownNames(view), wasAscending ? descending : ascending);
    if (view->header()->sortIndicatorOrder() == Qt::AscendingOrder)
        clickHeader(view, acc);
    QCOMPARE(shownNames(view), descending);

    // A filter with OR, applied on Enter.
    const QString goodFilter = u"metrics.acc > 0.5 OR params.lr = '0.1'"_s;
    typeFilter(filter, goodFilter);
    QTRY_COMPARE(shownNames(view), (QStringList{u"run-b"_s, u"run-a"_s, u"run-e"_s}));
    QVERIFY(!error->isVisible());
    QCOMPARE(status->text(), u"3 runs match the filter"_s);

    // A bad filter says what and where, under the box, and leaves the table as it was.
    typeFilter(filter, u"metrics.acc > AND params.lr = '0.1'"_s);
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(u"position 15"_s), qPrintable(error->text()));
    QVERIFY2(error->text().contains(u"expected a number"_s), qPrintable(error->text()));
    QVERIFY(error->mapTo(&window, QPoint(0, 0)).y() > filter->mapTo(&window, QPoint(0, 0)).y());
    QCOMPARE(filter->cursorPosition(), 14);
    QCOMPARE(shownNames(view), (QStringList{u"run-b"_s, u"run-a"_s, u"run-e"_s}));
    // The live reloads keep the filter that worked, and the complaint stays until fixed.
    typeFilter(filter, goodFilter);
    QTRY_VERIFY(!error->isVisible());
    QCOMPARE(shownNames(view), (QStringList{u"run-b"_s, u"run-a"_s, u"run-e"_s}));

    // The current run's details.
    clickRun(view, u"run-b"_s);
    QCOMPARE(selectedRunNames(view), QStringList{u"run-b"_s});
    QTRY_COMPARE(child<QLabel>(window, "runDetailName")->text(), u"run-b"_s);
    QCOMPARE(child<QLabel>(window, "runDetailId")->text(), ids[u"run-b"_s]);
    auto runB = tracking.run(ids[u"run-b"_s]);
    VERIFY_OK(runB);
    QCOMPARE(child<QLabel>(window, "runDetailArtifactUri")->text(), runB->info.artifactUri);
    QVERIFY(!runB->info.artifactUri.isEmpty());
    auto *params = child<QTableView>(window, "runParams");
    auto *metrics = child<QTableView>(window, "runMetrics");
    auto *tags = child<QTableView>(window, "runTags");
    QVERIFY(params && metrics && tags);
    QCOMPARE(tableTexts(params, 0), QStringList{u"lr"_s});
    QCOMPARE(tableTexts(params, 1), QStringList{u"0.01"_s});
    QCOMPARE(tableTexts(metrics, 0), (QStringList{u"acc"_s, u"loss"_s}));
    QCOMPARE(tableTexts(metrics, 1), (QStringList{u"0.7"_s, u"0.5"_s}));
    QVERIFY(tableTexts(tags, 0).contains(u"mlflow.source.name"_s));

    // A metric logged in the store shows within a poll; the selection stays on run-b.
    VERIFY_OK(
        tracking.logBatch(ids[u"run-b"_s], {metric(u"acc"_s, 0.75, 2, kDay + 600000)}, {}, {}));
    QTRY_COMPARE(shownCell(view, u"run-b"_s, u"metrics.acc"_s), u"0.75"_s);
    QCOMPARE(selectedRunNames(view), QStringList{u"run-b"_s});
    QTRY_COMPARE(tableTexts(metrics, 1), (QStringList{u"0.75"_s, u"0.5"_s}));
    // A run that now passes the filter joins, in its sorted place.
    VERIFY_OK(
        tracking.logBatch(ids[u"run-c"_s], {metric(u"acc"_s, 0.9, 2, kDay + 600000)}, {}, {}));
    QTRY_COMPARE(shownNames(view), (QStringList{u"run-c"_s, u"run-b"_s, u"run-a"_s, u"run-e"_s}));
    QCOMPARE(selectedRunNames(view), QStringList{u"run-b"_s});
    // A new run with a new metric: a new row and a new column.
    VERIFY_OK(tracking.createExperiment(u"unrelated"_s));
    ids[u"run-f"_s] =
        logRun(tracking, *experiment, u"run-f"_s, kDay + 900000, {{u"lr"_s, u"0.1"_s}},
               {metric(u"f1"_s, 0.61, 1, kDay + 901000)}, std::nullopt);
    QTRY_VERIFY(shownNames(view).contains(u"run-f"_s));
    // The new column came between acc and loss; run-b is still the one selected.
    QCOMPARE(columnOf(view, u"metrics.f1"_s), columnOf(view, u"metrics.acc"_s) + 1);
    QCOMPARE(selectedRunNames(view), QStringList{u"run-b"_s});
    QTRY_COMPARE(shownCell(view, u"run-f"_s, u"metrics.f1"_s), u"0.61"_s);
    QCOMPARE(shownCell(view, u"run-f"_s, u"attributes.status"_s), u"Running"_s);
    QCOMPARE(view->header()->sortIndicatorSection(), columnOf(view, u"metrics.acc"_s));
    QTRY_VERIFY(experimentNames(experiments).contains(u"unrelated"_s));
    QCOMPARE(experiments->selectionModel()->selectedRows().at(0).data().toString(),
             u"fashion-cnn"_s);

    // Several runs can be selected.
    clickRun(view, u"run-a"_s, Qt::ControlModifier);
    QCOMPARE(selectedRunNames(view), (QStringList{u"run-a"_s, u"run-b"_s}));
    QVERIFY2(status->text().contains(u"2 selected"_s), qPrintable(status->text()));

    // An empty filter brings all runs back.
    typeFilter(filter, QString());
    QTRY_COMPARE(view->model()->rowCount(), 6);
    window.detachSession();
}

void TestExperimentsPanel::emptyStateSaysHowToLogRuns()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open(true));
    workspace.session->startServices();
    millrace::tracking::TrackingServer *server = workspace.session->trackingServer();
    QVERIFY(server);
    QTRY_VERIFY(server->port() != 0);

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *empty = child<QLabel>(window, "runEmptyState");
    auto *view = child<QTreeView>(window, "runTable");
    QVERIFY(empty && view);
    const QString uri = u"http://127.0.0.1:%1"_s.arg(server->port());
    QTRY_VERIFY2(empty->text().contains(uri), qPrintable(empty->text()));
    QVERIFY(empty->isVisible());
    QVERIFY2(empty->text().contains(u"MLFLOW_TRACKING_URI"_s), qPrintable(empty->text()));
    QVERIFY2(empty->text().contains(u"mlflow.set_experiment(&quot;Default&quot;)"_s),
             qPrintable(empty->text()));
    QVERIFY(!view->isVisible());

    // The first run replaces the explanation.
    QVERIFY(!logRun(workspace.tracking(), u"0"_s, u"first-run"_s, kDay, {}, {}).isEmpty());
    QTRY_VERIFY(view->isVisible());
    QVERIFY(!empty->isVisible());
    QCOMPARE(shownNames(view), QStringList{u"first-run"_s});
    window.detachSession();
}

void TestExperimentsPanel::deletedExperimentsShowOnRequest()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto kept = tracking.createExperiment(u"kept"_s);
    auto retired = tracking.createExperiment(u"retired"_s);
    VERIFY_OK(kept);
    VERIFY_OK(retired);
    QVERIFY(!logRun(tracking, *retired, u"old-run"_s, kDay, {}, {}).isEmpty());
    VERIFY_OK(tracking.deleteExperiment(*retired));

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *experiments = child<QTreeView>(window, "experimentList");
    auto *showDeleted = child<QCheckBox>(window, "showDeleted");
    auto *view = child<QTreeView>(window, "runTable");
    QVERIFY(experiments && showDeleted && view);
    QTRY_COMPARE(experimentNames(experiments), (QStringList{u"Default"_s, u"kept"_s}));

    QTest::mouseClick(showDeleted, Qt::LeftButton, {}, QPoint(8, showDeleted->height() / 2));
    QVERIFY(showDeleted->isChecked());
    QTRY_COMPARE(experimentNames(experiments),
                 (QStringList{u"Default"_s, u"kept"_s, u"retired"_s}));
    const QModelIndex retiredRow = experiments->model()->index(2, 0);
    QVERIFY(retiredRow.data(Qt::FontRole).value<QFont>().italic());
    // Its runs can be looked at too.
    QTest::mouseClick(experiments->viewport(), Qt::LeftButton, {},
                      experiments->visualRect(retiredRow).center());
    QTRY_COMPARE(shownNames(view), QStringList{u"old-run"_s});

    QTest::mouseClick(showDeleted, Qt::LeftButton, {}, QPoint(8, showDeleted->height() / 2));
    QTRY_COMPARE(experimentNames(experiments), (QStringList{u"Default"_s, u"kept"_s}));
    QTRY_VERIFY(!view->isVisible() || shownNames(view).isEmpty());
    window.detachSession();
}

void TestExperimentsPanel::filterCompletesNamesFromTheRuns()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    QVERIFY(!logRun(tracking, u"0"_s, u"one"_s, kDay, {{u"lr"_s, u"0.1"_s}},
                    {metric(u"acc"_s, 0.4, 1, kDay), metric(u"accuracy_top5"_s, 0.8, 1, kDay)})
                 .isEmpty());
    QVERIFY(!logRun(tracking, u"0"_s, u"two"_s, kDay + 1000, {{u"lr"_s, u"0.2"_s}},
                    {metric(u"acc"_s, 0.6, 1, kDay)})
                 .isEmpty());

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *filter = child<QLineEdit>(window, "runFilter");
    auto *error = child<QLabel>(window, "runFilterError");
    QVERIFY(view && filter && error);
    QTRY_COMPARE(view->model()->rowCount(), 2);

    QCompleter *completer = filter->findChild<QCompleter *>();
    QVERIFY(completer);
    filter->setFocus();
    QTest::keyClicks(filter, u"metrics.ac"_s);
    QTRY_VERIFY(completer->popup()->isVisible());
    QStringList offered;
    for (int row = 0; row < completer->completionModel()->rowCount(); ++row)
        offered.append(completer->completionModel()->index(row, 0).data().toString());
    QCOMPARE(offered, (QStringList{u"metrics.acc"_s, u"metrics.accuracy_top5"_s}));
    // Enter in the popup takes the first offer; it does not search yet.
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QCOMPARE(filter->text(), u"metrics.acc"_s);
    QVERIFY(!completer->popup()->isVisible());

    // Completion works in the middle of a filter too, and the filter then applies.
    QTest::keyClicks(filter, u" > 0.5 OR par"_s);
    QTRY_VERIFY(completer->popup()->isVisible());
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QCOMPARE(filter->text(), u"metrics.acc > 0.5 OR params.lr"_s);
    QTest::keyClicks(filter, u" = '0.1'"_s);
    QVERIFY(!completer->popup()->isVisible());
    QTest::keyClick(filter, Qt::Key_Return);
    QTRY_COMPARE(shownNames(view), (QStringList{u"two"_s, u"one"_s}));
    QVERIFY(!error->isVisible());
    window.detachSession();
}

void TestExperimentsPanel::columnsCanBeHidden()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    const QString runId = logRun(tracking, u"0"_s, u"one"_s, kDay, {{u"lr"_s, u"0.1"_s}},
                                 {metric(u"acc"_s, 0.4, 1, kDay), metric(u"loss"_s, 0.8, 1, kDay)});
    QVERIFY(!runId.isEmpty());

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *columns = child<QToolButton>(window, "runColumns");
    QVERIFY(view && columns);
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QVERIFY(!view->isColumnHidden(columnOf(view, u"metrics.loss"_s)));

    // The user opens the Columns menu and unticks the loss.
    bool unticked = false;
    QTimer::singleShot(0, this, [&] {
        QMenu *menu = columns->menu();
        for (QAction *action : menu->actions()) {
            if (action->text() == u"loss"_s && action->isChecked()) {
                action->trigger();
                unticked = true;
            }
        }
        menu->close();
    });
    QTest::mouseClick(columns, Qt::LeftButton);
    QTRY_VERIFY(unticked);
    QVERIFY(view->isColumnHidden(columnOf(view, u"metrics.loss"_s)));
    QVERIFY(!view->isColumnHidden(columnOf(view, u"metrics.acc"_s)));

    // It stays hidden when the runs reload with a new column before it.
    VERIFY_OK(tracking.logBatch(runId, {metric(u"f1"_s, 0.3, 1, kDay)}, {}, {}));
    QTRY_VERIFY(columnOf(view, u"metrics.f1"_s) >= 0);
    QVERIFY(view->isColumnHidden(columnOf(view, u"metrics.loss"_s)));
    QVERIFY(!view->isColumnHidden(columnOf(view, u"metrics.f1"_s)));
    window.detachSession();
}

void TestExperimentsPanel::screenshot()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
        qInfo().noquote() << "MILLRACE_SCREENSHOT_DIR not set; writing to" << outDir;
    }
    QVERIFY(QDir().mkpath(outDir));

    // What the shipped pipeline logs: a first model, then daily updates on streamed batches, the
    // newest one training right now.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 base =
        QDateTime(QDate::currentDate().addDays(-7), QTime(9, 0)).toMSecsSinceEpoch();
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto cnn = tracking.createExperiment(u"fashion-mnist-cnn"_s);
    auto predictor = tracking.createExperiment(u"kafka-predictor"_s);
    VERIFY_OK(cnn);
    VERIFY_OK(predictor);
    QVERIFY(!logRun(tracking, *predictor, u"predictor-warmup"_s, base - 86400000,
                    {{u"retrain_every"_s, u"500"_s}}, {metric(u"accuracy"_s, 0.861, 1, base)})
                 .isEmpty());
    QVERIFY(!logRun(tracking, *cnn, u"initial_model"_s, base,
                    {{u"epochs"_s, u"5"_s},
                     {u"lr"_s, u"0.001"_s},
                     {u"batch_size"_s, u"128"_s},
                     {u"optimizer"_s, u"adam"_s}},
                    {metric(u"accuracy"_s, 0.8812, 5, base + 90000),
                     metric(u"loss"_s, 0.3291, 5, base + 90000),
                     metric(u"val_accuracy"_s, 0.8745, 5, base + 90000)})
                 .isEmpty());
    const QList<double> accuracy{0.8851, 0.8839, 0.8902, 0.8934, 0.8921, 0.8967};
    QString selected;
    for (int day = 0; day < int(accuracy.size()); ++day) {
        const bool last = day == int(accuracy.size()) - 1;
        const qint64 start = last ? now - 250000 : base + qint64(day + 1) * 86400000;
        const QString name =
            u"update_model-"_s + QDateTime::fromMSecsSinceEpoch(start).toString(u"yyyy-MM-dd"_s);
        const QString id =
            logRun(tracking, *cnn, name, start,
                   {{u"epochs"_s, u"2"_s},
                    {u"lr"_s, day % 2 ? u"0.0005"_s : u"0.0003"_s},
                    {u"batch_size"_s, u"128"_s},
                    {u"optimizer"_s, u"adam"_s},
                    {u"replay_share"_s, u"0.3"_s}},
                   {metric(u"accuracy"_s, accuracy.at(day), 2, start + 40000),
                    metric(u"loss"_s, 0.33 - 0.006 * day, 2, start + 40000),
                    metric(u"val_accuracy"_s, accuracy.at(day) - 0.006, 2, start + 40000),
                    metric(u"batch_records"_s, 1000 + 250 * day, 0, start + 1000)},
                   day == 2 ? std::optional(RunStatus::Failed)
                            : (last ? std::nullopt : std::optional(RunStatus::Finished)));
        QVERIFY(!id.isEmpty());
        if (day == 3)
            selected = name;
    }

    millrace::LogBus bus;
    MainWindow window(&bus);
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    // The offscreen platform's warnings are about the test, not the app: keep them out of the
    // pictured log dock.
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    auto *view = child<QTreeView>(window, "runTable");
    QVERIFY(view);
    QTRY_COMPARE(view->model()->rowCount(), 7);
    clickHeader(view, columnOf(view, u"metrics.accuracy"_s));
    if (view->header()->sortIndicatorOrder() == Qt::AscendingOrder)
        clickHeader(view, columnOf(view, u"metrics.accuracy"_s));
    view->scrollTo(view->model()->index(0, 0));
    clickRun(view, selected);
    QTRY_COMPARE(child<QLabel>(window, "runDetailName")->text(), selected);

    const QImage image = window.grab().toImage();
    const QString path = QDir(outDir).filePath(u"panel-experiments.png"_s);
    QVERIFY2(image.save(path), qPrintable(path));
    QVERIFY(QFileInfo(path).size() > 0);
    window.detachSession();
}

QTEST_MAIN(TestExperimentsPanel)
#include "tst_experimentspanel.moc"

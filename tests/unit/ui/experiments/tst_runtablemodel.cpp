// The run table: fixed columns, one column per param and metric key, NaN and missing values, and
// updates that keep rows (and so selections) in place.

#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QFont>
#include <QIcon>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <limits>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const qint64 kStart = QDateTime(QDate(2024, 6, 11), QTime(14, 3, 7)).toMSecsSinceEpoch();

Run makeRun(const QString &id, const QString &name, const tracking::KeyValueList &params,
            const QList<QPair<QString, double>> &metrics, RunStatus status = RunStatus::Finished)
{
    Run run;
    run.info.runId = id;
    run.info.experimentId = u"1"_s;
    run.info.runName = name;
    run.info.userId = u"ada"_s;
    run.info.status = status;
    run.info.startTime = kStart;
    if (status != RunStatus::Running)
        run.info.endTime = kStart + 192000; // 3m 12s
    run.info.artifactUri = u"mlflow-artifacts:/1/%1/artifacts"_s.arg(id);
    run.params = params;
    for (const auto &[key, value] : metrics)
        run.latestMetrics.append(MetricPoint{key, value, kStart + 1000, 3});
    return run;
}

QStringList headers(const QAbstractItemModel &model)
{
    QStringList list;
    for (int column = 0; column < model.columnCount(); ++column)
        list.append(model.headerData(column, Qt::Horizontal).toString());
    return list;
}

QString cell(const RunTableModel &model, const QString &runId, const QString &columnKey)
{
    return model.index(model.rowOfRun(runId), model.columnOfKey(columnKey)).data().toString();
}

} // namespace

class TestRunTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsWithTheFixedColumns();
    void showsRunsWithParamAndMetricColumns();
    void nanShowsAsNanAndMissingStaysEmpty();
    void sortRoleHoldsTypedValues();
    void runningRunDurationFollowsTheClock();
    void updateKeepsRowsAndAddsColumns();
    void removedRunsAndKeysGoAway();
    void statusHasAnIconAndDeletedRunsAreItalic();
    void durationText_data();
    void durationText();
};

void TestRunTableModel::startsWithTheFixedColumns()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(headers(model),
             (QStringList{u"Run name"_s, u"Status"_s, u"Start time"_s, u"Duration"_s, u"User"_s}));
    QCOMPARE(model.columnKey(RunTableModel::NameColumn), u"attributes.run_name"_s);
    QCOMPARE(model.columnOfKey(u"attributes.start_time"_s), int(RunTableModel::StartColumn));
    QCOMPARE(model.columnOfKey(u"metrics.acc"_s), -1);
}

void TestRunTableModel::showsRunsWithParamAndMetricColumns()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns({
        makeRun(u"a"_s, u"brisk-weir-1"_s, {{u"lr"_s, u"0.1"_s}, {u"Optimizer"_s, u"adam"_s}},
                {{u"loss"_s, 0.25}, {u"acc"_s, 0.912345678}}),
        makeRun(u"b"_s, u"calm-eddy-2"_s, {{u"lr"_s, u"0.01"_s}, {u"batch_size"_s, u"64"_s}},
                {{u"acc"_s, 0.5}}),
    });

    QCOMPARE(model.rowCount(), 2);
    // Metrics then params, each sorted case-insensitively.
    QCOMPARE(headers(model),
             (QStringList{u"Run name"_s, u"Status"_s, u"Start time"_s, u"Duration"_s, u"User"_s,
                          u"metrics.acc"_s, u"metrics.loss"_s, u"params.batch_size"_s,
                          u"params.lr"_s, u"params.Optimizer"_s}));
    QCOMPARE(model.paramKeys(), (QStringList{u"batch_size"_s, u"lr"_s, u"Optimizer"_s}));
    QCOMPARE(model.metricKeys(), (QStringList{u"acc"_s, u"loss"_s}));
    QCOMPARE(model
                 .headerData(model.columnOfKey(u"metrics.acc"_s), Qt::Horizontal,
                             RunTableModel::ColumnKeyRole)
                 .toString(),
             u"metrics.acc"_s);

    QCOMPARE(cell(model, u"a"_s, u"attributes.run_name"_s), u"brisk-weir-1"_s);
    QCOMPARE(cell(model, u"a"_s, u"attributes.status"_s), u"Finished"_s);
    QCOMPARE(cell(model, u"a"_s, u"attributes.start_time"_s),
             QDateTime::fromMSecsSinceEpoch(kStart).toString(u"yyyy-MM-dd HH:mm"_s));
    QCOMPARE(cell(model, u"a"_s, u"attributes.duration"_s), u"3m 12s"_s);
    QCOMPARE(cell(model, u"a"_s, u"attributes.user_id"_s), u"ada"_s);
    QCOMPARE(cell(model, u"a"_s, u"params.lr"_s), u"0.1"_s);
    QCOMPARE(cell(model, u"b"_s, u"params.batch_size"_s), u"64"_s);
    // Latest metric values, six significant digits; the tooltip has all of them and the step.
    QCOMPARE(cell(model, u"a"_s, u"metrics.acc"_s), u"0.912346"_s);
    const QModelIndex acc =
        model.index(model.rowOfRun(u"a"_s), model.columnOfKey(u"metrics.acc"_s));
    QVERIFY2(acc.data(Qt::ToolTipRole).toString().contains(u"0.912345678"_s),
             qPrintable(acc.data(Qt::ToolTipRole).toString()));
    QVERIFY(acc.data(Qt::ToolTipRole).toString().contains(u"step 3"_s));
    QCOMPARE(acc.data(RunTableModel::RunIdRole).toString(), u"a"_s);
    QCOMPARE(model.runAt(model.rowOfRun(u"b"_s)).info.runName, u"calm-eddy-2"_s);
}

void TestRunTableModel::nanShowsAsNanAndMissingStaysEmpty()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns({
        makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, kNaN}}),
        makeRun(u"b"_s, u"b"_s, {}, {{u"loss"_s, std::numeric_limits<double>::infinity()}}),
    });
    QCOMPARE(cell(model, u"a"_s, u"metrics.acc"_s), u"NaN"_s);
    QCOMPARE(cell(model, u"b"_s, u"metrics.loss"_s), u"inf"_s);
    // Missing values are empty, not zero.
    QCOMPARE(cell(model, u"b"_s, u"metrics.acc"_s), QString());
    QCOMPARE(cell(model, u"a"_s, u"metrics.loss"_s), QString());
    QCOMPARE(cell(model, u"b"_s, u"params.lr"_s), QString());
    const QModelIndex missing =
        model.index(model.rowOfRun(u"b"_s), model.columnOfKey(u"metrics.acc"_s));
    QVERIFY(!missing.data(RunTableModel::SortRole).isValid());
    const QModelIndex nan =
        model.index(model.rowOfRun(u"a"_s), model.columnOfKey(u"metrics.acc"_s));
    QVERIFY(std::isnan(nan.data(RunTableModel::SortRole).toDouble()));
}

void TestRunTableModel::sortRoleHoldsTypedValues()
{
    RunTableModel model;
    model.setRuns({makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.75}})});
    auto sortValue = [&](const QString &key) {
        return model.index(0, model.columnOfKey(key)).data(RunTableModel::SortRole);
    };
    QCOMPARE(sortValue(u"metrics.acc"_s).typeId(), int(QMetaType::Double));
    QCOMPARE(sortValue(u"metrics.acc"_s).toDouble(), 0.75);
    QCOMPARE(sortValue(u"attributes.start_time"_s).typeId(), int(QMetaType::LongLong));
    QCOMPARE(sortValue(u"attributes.start_time"_s).toLongLong(), kStart);
    QCOMPARE(sortValue(u"attributes.duration"_s).toLongLong(), qint64(192000));
    QCOMPARE(sortValue(u"params.lr"_s).toString(), u"0.1"_s);
}

void TestRunTableModel::runningRunDurationFollowsTheClock()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    qint64 now = kStart + 5000;
    model.setClock([&now] { return now; });
    model.setRuns(
        {makeRun(u"a"_s, u"a"_s, {}, {}, RunStatus::Running), makeRun(u"b"_s, u"b"_s, {}, {})});
    QCOMPARE(cell(model, u"a"_s, u"attributes.duration"_s), u"5.0 s"_s);
    QCOMPARE(cell(model, u"a"_s, u"attributes.status"_s), u"Running"_s);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    now = kStart + 65000;
    model.refreshRunningDurations();
    QCOMPARE(changed.size(), 1);
    const QModelIndex topLeft = changed.at(0).at(0).toModelIndex();
    const QModelIndex bottomRight = changed.at(0).at(1).toModelIndex();
    QCOMPARE(topLeft.column(), int(RunTableModel::DurationColumn));
    QCOMPARE(bottomRight.column(), int(RunTableModel::DurationColumn));
    QCOMPARE(topLeft.row(), model.rowOfRun(u"a"_s));
    QCOMPARE(cell(model, u"a"_s, u"attributes.duration"_s), u"1m 05s"_s);
}

void TestRunTableModel::updateKeepsRowsAndAddsColumns()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Run a = makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.3}});
    const Run b = makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.01"_s}}, {{u"acc"_s, 0.7}});
    model.setRuns({b, a});
    const QPersistentModelIndex rowB = model.index(model.rowOfRun(u"b"_s), 0);
    const QPersistentModelIndex accOfA =
        model.index(model.rowOfRun(u"a"_s), model.columnOfKey(u"metrics.acc"_s));

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // A new run on top, b gets a better accuracy and a new metric that makes a column.
    Run newer = makeRun(u"c"_s, u"c"_s, {{u"lr"_s, u"0.05"_s}}, {{u"acc"_s, 0.4}});
    Run better = b;
    better.latestMetrics = {MetricPoint{u"acc"_s, 0.8, kStart + 2000, 4},
                            MetricPoint{u"f1"_s, 0.6, kStart + 2000, 4}};
    model.setRuns({newer, better, a});

    QCOMPARE(reset.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(rowB.isValid());
    QCOMPARE(rowB.data(RunTableModel::RunIdRole).toString(), u"b"_s);
    QCOMPARE(cell(model, u"b"_s, u"metrics.acc"_s), u"0.8"_s);
    QCOMPARE(cell(model, u"b"_s, u"metrics.f1"_s), u"0.6"_s);
    QCOMPARE(cell(model, u"a"_s, u"metrics.f1"_s), QString());
    // The index into a's accuracy still points there after the f1 column arrived.
    QVERIFY(accOfA.isValid());
    QCOMPARE(accOfA.data().toString(), u"0.3"_s);
    QCOMPARE(model.headerData(accOfA.column(), Qt::Horizontal).toString(), u"metrics.acc"_s);
    QCOMPARE(model.metricKeys(), (QStringList{u"acc"_s, u"f1"_s}));
}

void TestRunTableModel::removedRunsAndKeysGoAway()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Run a = makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.3}});
    const Run b = makeRun(u"b"_s, u"b"_s, {{u"momentum"_s, u"0.9"_s}}, {{u"loss"_s, 0.7}});
    const Run c = makeRun(u"c"_s, u"c"_s, {{u"lr"_s, u"0.2"_s}}, {{u"acc"_s, 0.4}});
    model.setRuns({a, b, c});
    const QPersistentModelIndex rowC = model.index(model.rowOfRun(u"c"_s), 0);
    model.setRuns({a, c});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOfRun(u"b"_s), -1);
    QVERIFY(rowC.isValid());
    QCOMPARE(rowC.data(RunTableModel::RunIdRole).toString(), u"c"_s);
    QCOMPARE(model.columnOfKey(u"params.momentum"_s), -1);
    QCOMPARE(model.columnOfKey(u"metrics.loss"_s), -1);
    QCOMPARE(model.columnCount(), int(RunTableModel::FixedColumnCount) + 2);
    // Order follows the list given.
    model.setRuns({c, a});
    QCOMPARE(model.runAt(0).info.runId, u"c"_s);
    QCOMPARE(model.runAt(1).info.runId, u"a"_s);
    model.setRuns({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(RunTableModel::FixedColumnCount));
}

void TestRunTableModel::statusHasAnIconAndDeletedRunsAreItalic()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Run failed = makeRun(u"a"_s, u"a"_s, {}, {}, RunStatus::Failed);
    Run deleted = makeRun(u"b"_s, u"b"_s, {}, {});
    deleted.info.lifecycleStage = LifecycleStage::Deleted;
    model.setRuns({failed, deleted});
    const QModelIndex status = model.index(model.rowOfRun(u"a"_s), RunTableModel::StatusColumn);
    QCOMPARE(status.data().toString(), u"Failed"_s);
    QVERIFY(!status.data(Qt::DecorationRole).value<QIcon>().isNull());
    QVERIFY(!model.index(model.rowOfRun(u"a"_s), 0).data(Qt::FontRole).isValid());
    QVERIFY(model.index(model.rowOfRun(u"b"_s), 0).data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(model.index(model.rowOfRun(u"b"_s), 0)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"Deleted"_s));
}

void TestRunTableModel::durationText_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    QTest::newRow("ms") << qint64(850) << u"850 ms"_s;
    QTest::newRow("seconds") << qint64(12400) << u"12.4 s"_s;
    QTest::newRow("minutes") << qint64(185000) << u"3m 05s"_s;
    QTest::newRow("hours") << qint64(7380000) << u"2h 03m"_s;
    QTest::newRow("days") << qint64(349200000) << u"4d 01h"_s;
}

void TestRunTableModel::durationText()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(RunTableModel::durationText(ms), text);
}

QTEST_MAIN(TestRunTableModel)
#include "tst_runtablemodel.moc"

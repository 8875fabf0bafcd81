// The run detail pane's metrics table: latest values by key, sparklines that belong to one run
// and survive reloads of the same run, and histories reduced to sparklines that keep their shape.

#include "ui/panels/experiments/runmetricsmodel.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <limits>

using namespace millrace::ui;
using millrace::tracking::MetricPoint;
using namespace Qt::StringLiterals;

namespace {

MetricPoint point(const QString &key, double value, qint64 step, qint64 timestamp = 1000)
{
    return {key, value, timestamp, step};
}

MetricSparkline line(QList<QPointF> points)
{
    MetricSparkline sparkline;
    sparkline.pointCount = points.size();
    sparkline.points = std::move(points);
    return sparkline;
}

} // namespace

class TestRunMetricsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsLatestValues();
    void sparklinesBelongToTheirRun();
    void reloadKeepsRowsAndSparklines();
    void sparklineKeepsShape();
    void sparklineAxisFallsBack();
    void sparklineSkipsNonFiniteValues();
};

void TestRunMetricsModel::showsLatestValues()
{
    RunMetricsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.columnCount(), 4);
    QCOMPARE(model.headerData(RunMetricsModel::HistoryColumn, Qt::Horizontal).toString(),
             u"History"_s);
    model.setMetrics(u"r1"_s, {point(u"acc"_s, 0.7, 3),
                               point(u"loss"_s, std::numeric_limits<double>::quiet_NaN(), 4)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, RunMetricsModel::KeyColumn).data().toString(), u"acc"_s);
    QCOMPARE(model.index(0, RunMetricsModel::ValueColumn).data().toString(), u"0.7"_s);
    QCOMPARE(model.index(0, RunMetricsModel::StepColumn).data().toString(), u"3"_s);
    QCOMPARE(model.index(1, RunMetricsModel::ValueColumn).data().toString(), u"NaN"_s);
    // No history read yet: nothing to draw.
    QVERIFY(!model.index(0, RunMetricsModel::HistoryColumn)
                 .data(RunMetricsModel::SparklineRole)
                 .isValid());
}

void TestRunMetricsModel::sparklinesBelongToTheirRun()
{
    RunMetricsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMetrics(u"r1"_s, {point(u"acc"_s, 0.7, 3)});
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // A late result for another run is dropped.
    model.setSparklines(u"r0"_s, {{u"acc"_s, line({{0, 1}, {1, 2}})}});
    QCOMPARE(changed.count(), 0);
    QVERIFY(!model.sparkline(u"acc"_s));

    model.setSparklines(u"r1"_s, {{u"acc"_s, line({{0, 0.1}, {3, 0.7}})}});
    QCOMPARE(changed.count(), 1);
    const QModelIndex history = model.index(0, RunMetricsModel::HistoryColumn);
    QCOMPARE(changed.first().at(0).value<QModelIndex>(), history);
    const auto shown = history.data(RunMetricsModel::SparklineRole).value<MetricSparkline>();
    QCOMPARE(shown.points.last(), QPointF(3, 0.7));
    QVERIFY(!history.data(Qt::ToolTipRole).toString().isEmpty());

    // Another run's metrics of the same name start without a sparkline.
    model.setMetrics(u"r2"_s, {point(u"acc"_s, 0.9, 1)});
    QVERIFY(!model.sparkline(u"acc"_s));
}

void TestRunMetricsModel::reloadKeepsRowsAndSparklines()
{
    RunMetricsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMetrics(u"r1"_s, {point(u"acc"_s, 0.7, 3), point(u"loss"_s, 0.4, 3)});
    model.setSparklines(u"r1"_s, {{u"loss"_s, line({{0, 1}, {3, 0.4}})}});
    const QPersistentModelIndex loss = model.index(1, 0);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    // A poll brings a newer acc and a new metric.
    model.setMetrics(u"r1"_s,
                     {point(u"acc"_s, 0.75, 4), point(u"f1"_s, 0.5, 4), point(u"loss"_s, 0.4, 3)});
    QCOMPARE(resets.count(), 0);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(loss.row(), 2);
    QCOMPARE(model.index(0, RunMetricsModel::ValueColumn).data().toString(), u"0.75"_s);
    QVERIFY(model.sparkline(u"loss"_s));
    QVERIFY(!model.sparkline(u"f1"_s));
    model.setMetrics(QString(), {});
    QCOMPARE(model.rowCount(), 0);
}

void TestRunMetricsModel::sparklineKeepsShape()
{
    // A noisy rise over 1000 steps with one spike: 60 points keep the ends and the spike.
    QList<MetricPoint> history;
    for (int step = 0; step < 1000; ++step)
        history.append(point(u"acc"_s, step / 1000.0 + (step % 2 ? 0.01 : 0), step, 1000 + step));
    history[500].value = 5;
    const MetricSparkline sparkline = sparklineFromHistory(history, 60);
    QCOMPARE(sparkline.points.size(), 60);
    QCOMPARE(sparkline.pointCount, 1000);
    QCOMPARE(sparkline.points.first(), QPointF(0, 0));
    QCOMPARE(sparkline.points.last().x(), 999.0);
    QCOMPARE(sparkline.points.last().y(), history.last().value);
    QCOMPARE(sparkline.max, 5.0);
    QCOMPARE(sparkline.min, 0.0);
    bool spikeKept = false;
    for (const QPointF &p : sparkline.points)
        spikeKept = spikeKept || p.y() == 5;
    QVERIFY(spikeKept);
    // Short histories come back whole.
    QCOMPARE(sparklineFromHistory(history.mid(0, 5), 60).points.size(), 5);
    QVERIFY(sparklineFromHistory({}, 60).points.isEmpty());
}

void TestRunMetricsModel::sparklineAxisFallsBack()
{
    // Logged without a step (all step 0): time is the x axis.
    const MetricSparkline byTime = sparklineFromHistory(
        {point(u"m"_s, 1, 0, 5000), point(u"m"_s, 2, 0, 5600), point(u"m"_s, 3, 0, 9000)}, 60);
    QCOMPARE(byTime.points.at(1), QPointF(600, 2));
    QCOMPARE(byTime.points.at(2), QPointF(4000, 3));
    // Same step and time: the position.
    const MetricSparkline byIndex =
        sparklineFromHistory({point(u"m"_s, 1, 0, 5000), point(u"m"_s, 4, 0, 5000)}, 60);
    QCOMPARE(byIndex.points.at(1), QPointF(1, 4));
}

void TestRunMetricsModel::sparklineSkipsNonFiniteValues()
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const MetricSparkline sparkline = sparklineFromHistory(
        {point(u"m"_s, 1, 0), point(u"m"_s, nan, 1), point(u"m"_s, inf, 2), point(u"m"_s, 3, 3)},
        60);
    QCOMPARE(sparkline.pointCount, 2);
    QCOMPARE(sparkline.points, (QList<QPointF>{{0, 1}, {3, 3}}));
    QCOMPARE(sparkline.max, 3.0);
    QCOMPARE(sparklineFromHistory({point(u"m"_s, nan, 0)}, 60).pointCount, 0);
}

QTEST_GUILESS_MAIN(TestRunMetricsModel)
#include "tst_runmetricsmodel.moc"

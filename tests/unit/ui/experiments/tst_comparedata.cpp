// What the compare view computes off the GUI thread: smoothing, point budgets, and histories
// read from a real workspace database, through the cache that spares rereading histories that did
// not grow (including one that grew below its latest step).

#include "ui/panels/experiments/compare/comparedata.h"

#include "core/base/cancellation.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/verify.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const HistorySeries *findSeries(const QList<HistorySeries> &all, const QString &runId,
                                const QString &key)
{
    for (const HistorySeries &series : all) {
        if (series.runId == runId && series.key == key)
            return &series;
    }
    return nullptr;
}

} // namespace

class TestCompareData : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void smoothing_data();
    void smoothing();
    void budgetShrinksWithSeries();
    void loadsThroughTheCache();
};

void TestCompareData::smoothing_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<double>("weight");
    QTest::addColumn<QList<double>>("expected");
    QTest::newRow("no smoothing") << QList<double>{1, 5, 3} << 0.0 << QList<double>{1, 5, 3};
    // Debiased EMA: the first value stays; then (0.5*1*0.5 + 0.5*5) / (1 - 0.25) = 3.6667.
    QTest::newRow("half") << QList<double>{1, 5} << 0.5 << QList<double>{1, 11.0 / 3};
    QTest::newRow("constant stays") << QList<double>{2, 2, 2} << 0.9 << QList<double>{2, 2, 2};
}

void TestCompareData::smoothing()
{
    QFETCH(QList<double>, values);
    QFETCH(double, weight);
    QFETCH(QList<double>, expected);
    const QList<double> smoothed = smoothValues(values, weight);
    QCOMPARE(smoothed.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i)
        QVERIFY2(std::abs(smoothed[i] - expected[i]) < 1e-9,
                 qPrintable(u"%1 at %2"_s.arg(smoothed[i]).arg(i)));
}

void TestCompareData::budgetShrinksWithSeries()
{
    QVERIFY(historyPointBudget(1) > historyPointBudget(300));
    QVERIFY(historyPointBudget(300) * 300 <= 60000);
    QVERIFY(historyPointBudget(100000) > 0);
    // NaN passes through smoothing untouched and does not poison the average.
    const QList<double> smoothed = smoothValues({1, kNaN, 1}, 0.5);
    QVERIFY(std::isnan(smoothed[1]));
    QCOMPARE(smoothed[2], 1.0);
}

void TestCompareData::loadsThroughTheCache()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = Store::openMillrace(dir.filePath(u"workspace.db"_s));
    VERIFY_OK(store);
    TrackingStore tracking(**store, dir.filePath(u"artifacts"_s));
    auto run = tracking.createRun(u"0"_s, u"ada"_s, u"r"_s, 1000, {});
    VERIFY_OK(run);
    const QString id = run->info.runId;
    QList<MetricPoint> points;
    for (int step = 0; step < 5000; ++step)
        points.append({u"loss"_s, 1.0 / (step + 1), 1000 + step, step});
    for (int chunk = 0; chunk < 5; ++chunk)
        VERIFY_OK(tracking.logBatch(id, points.mid(chunk * 1000, 1000), {}, {}));

    HistoryRequest request;
    request.runIds = {id, u"gone"_s}; // a run deleted meanwhile just drops out
    request.keys = {u"loss"_s, u"never"_s};
    request.pointBudget = 100;
    request.versions.insert(id + u"|loss"_s, u"4999/5999"_s);
    HistoryCache cache;
    auto first = loadHistories(tracking, request, CancellationToken(), &cache);
    VERIFY_OK(first);
    QCOMPARE(first->size(), 1);
    const HistorySeries *loss = findSeries(*first, id, u"loss"_s);
    QVERIFY(loss);
    QCOMPARE(loss->loggedPoints, 5000);
    QCOMPARE(loss->data.points.size(), 100);
    QVERIFY(loss->downsampled());
    QCOMPARE(loss->data.points.first().y, 1.0);
    QCOMPARE(cache.points(), 5000);

    // A point logged below the latest step leaves the latest point as it was: the count still
    // tells the cache that the history grew.
    VERIFY_OK(tracking.logBatch(id, {{u"loss"_s, 7.0, 500, -1}}, {}, {}));
    auto second = loadHistories(tracking, request, CancellationToken(), &cache);
    VERIFY_OK(second);
    QCOMPARE(findSeries(*second, id, u"loss"_s)->loggedPoints, 5001);
    QCOMPARE(findSeries(*second, id, u"loss"_s)->data.points.first().y, 7.0);

    // Relative time starts at the history's first point, in seconds.
    request.axis = HistoryAxis::RelativeTime;
    request.pointBudget = 0;
    auto relative = loadHistories(tracking, request, CancellationToken(), &cache);
    VERIFY_OK(relative);
    const HistorySeries *timed = findSeries(*relative, id, u"loss"_s);
    QCOMPARE(timed->data.points.first().x, 0.0);
    QVERIFY(timed->data.points.last().x > 4.0);

    // Cancelled before it starts: nothing.
    CancellationSource cancel;
    cancel.cancel();
    auto cancelled = loadHistories(tracking, request, cancel.token(), &cache);
    VERIFY_OK(cancelled);
    QVERIFY(cancelled->isEmpty());
}

QTEST_GUILESS_MAIN(TestCompareData)
#include "tst_comparedata.moc"

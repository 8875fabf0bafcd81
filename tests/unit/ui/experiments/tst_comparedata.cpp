// What the compare view computes off the GUI thread: smoothing, point budgets, and histories
// read from a real workspace database, long ones through their summaries.

#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/experiments/compare/comparedata.h"

#include "core/base/cancellation.h"
#include "core/store/metricsummary.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/verify.h"

#include <QTemporaryDir>

#include <QTest>
#include <algorithm>
#include <functional>

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
    void niceRanges_data();
    void niceRanges();
    void loadsLongHistoriesFromTheirSummaries();
    void smoothsSummariesLikeThePoints();
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

void TestCompareData::niceRanges_data()
{
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<double>("niceMin");
    QTest::addColumn<double>("niceMax");
    QTest::addColumn<int>("ticks");
    QTest::newRow("fractions") << 0.03 << 0.97 << 0.0 << 1.0 << 6;
    QTest::newRow("steps") << 0.0 << 4999.0 << 0.0 << 5000.0 << 6;
    QTest::newRow("negative") << -7.5 << 2.2 << -8.0 << 4.0 << 7;
    QTest::newRow("empty span stays") << 3.0 << 3.0 << 3.0 << 3.0 << 5;
}

void TestCompareData::niceRanges()
{
    QFETCH(double, min);
    QFETCH(double, max);
    const NiceRange nice = niceRange(min, max, 5);
    QTEST(nice.min, "niceMin");
    QTEST(nice.max, "niceMax");
    QTEST(nice.ticks, "ticks");
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

namespace {

// A workspace with one run; `values(step)` gives its "loss" history of `steps` points, logged
// 1,000 at a time with timestamps 1000 + step ms, and a 50-point "short" history.
struct OneRun
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<TrackingStore> tracking;
    QString id;

    bool fill(const std::function<double(int)> &values, int steps)
    {
        auto opened = Store::openMillrace(dir.filePath(u"workspace.db"_s));
        if (!opened)
            return false;
        store = std::move(*opened);
        tracking = std::make_unique<TrackingStore>(*store, dir.filePath(u"artifacts"_s));
        auto run = tracking->createRun(u"0"_s, u"ada"_s, u"r"_s, 1000, {});
        if (!run)
            return false;
        id = run->info.runId;
        QList<MetricPoint> points;
        for (int step = 0; step < steps; ++step)
            points.append({u"loss"_s, values(step), 1000 + step, step});
        for (int step = 0; step < 50; ++step)
            points.append({u"short"_s, double(step), 1000 + step, step});
        for (qsizetype first = 0; first < points.size(); first += 1000) {
            if (!tracking->logBatch(id, points.mid(first, 1000), {}, {}))
                return false;
        }
        return true;
    }
};

} // namespace

void TestCompareData::loadsLongHistoriesFromTheirSummaries()
{
    OneRun r;
    auto loss = [](int step) { return step == 2500 ? 100.0 : 1.0 / (step + 1); };
    QVERIFY(r.fill(loss, 5000));

    HistoryRequest request;
    request.runIds = {r.id, u"gone"_s}; // a run deleted meanwhile just drops out
    request.keys = {u"loss"_s, u"never"_s, u"short"_s};
    request.pointBudget = 100;
    auto loaded = loadHistories(*r.tracking, request, CancellationToken());
    VERIFY_OK(loaded);
    QCOMPARE(loaded->size(), 2);
    const HistorySeries *long_ = findSeries(*loaded, r.id, u"loss"_s);
    QVERIFY(long_);
    QCOMPARE(long_->loggedPoints, 5000);
    QCOMPARE(long_->data.points.size(), 100);
    QVERIFY(long_->downsampled());
    // Every point drawn is a logged one, the ends are the history's, and the spike and the
    // lowest value survive, in the line or in its band.
    for (const SeriesPoint &p : long_->data.points)
        QCOMPARE(p.y, loss(int(p.x)));
    QCOMPARE(long_->data.points.first().x, 0.0);
    QCOMPARE(long_->data.points.last().x, 4999.0);
    QVERIFY(std::any_of(long_->data.points.cbegin(), long_->data.points.cend(),
                        [](const SeriesPoint &p) { return p.y == 100.0; }));
    QCOMPARE(*std::max_element(long_->data.high.cbegin(), long_->data.high.cend()), 100.0);
    QCOMPARE(*std::min_element(long_->data.low.cbegin(), long_->data.low.cend()), 1.0 / 5000);

    // A short history comes whole.
    const HistorySeries *short_ = findSeries(*loaded, r.id, u"short"_s);
    QVERIFY(short_);
    QCOMPARE(short_->loggedPoints, 50);
    QCOMPARE(short_->data.points.size(), 50);
    QVERIFY(!short_->downsampled());

    // Relative time starts at the history's first point, in seconds.
    request.axis = HistoryAxis::RelativeTime;
    auto relative = loadHistories(*r.tracking, request, CancellationToken());
    VERIFY_OK(relative);
    const HistorySeries *timed = findSeries(*relative, r.id, u"loss"_s);
    QCOMPARE(timed->data.points.first().x, 0.0);
    QCOMPARE(timed->data.points.last().x, 4.999);

    // A point logged for an earlier step: read point by point from then on, and it shows.
    VERIFY_OK(r.tracking->logBatch(r.id, {{u"loss"_s, -7.0, 500, 0}}, {}, {}));
    request.axis = HistoryAxis::Step;
    auto grown = loadHistories(*r.tracking, request, CancellationToken());
    VERIFY_OK(grown);
    QCOMPARE(findSeries(*grown, r.id, u"loss"_s)->loggedPoints, 5001);
    const auto &lows = findSeries(*grown, r.id, u"loss"_s)->data.low;
    QCOMPARE(*std::min_element(lows.cbegin(), lows.cend()), -7.0);

    // Cancelled before it starts: nothing.
    CancellationSource cancel;
    cancel.cancel();
    auto cancelled = loadHistories(*r.tracking, request, cancel.token());
    VERIFY_OK(cancelled);
    QVERIFY(cancelled->isEmpty());
}

void TestCompareData::smoothsSummariesLikeThePoints()
{
    // A noisy ramp: smoothing over the blocks' means lands close to smoothing every point.
    OneRun r;
    auto value = [](int step) { return step / 1000.0 + ((step * 7919) % 13) / 100.0; };
    QVERIFY(r.fill(value, 12800));
    HistoryRequest request;
    request.runIds = {r.id};
    request.keys = {u"loss"_s};
    request.pointBudget = 100; // 12,800 points: read as 200 blocks
    request.smoothing = 0.9;
    auto loaded = loadHistories(*r.tracking, request, CancellationToken());
    VERIFY_OK(loaded);
    QCOMPARE(loaded->size(), 1);
    const QList<SeriesPoint> &drawn = loaded->first().data.points;
    QCOMPARE(drawn.size(), 100);

    QList<double> raw;
    for (int step = 0; step < 12800; ++step)
        raw.append(value(step));
    const QList<double> exact = smoothValues(raw, 0.9);
    // Within a block the values are taken at their mean: on a ramp rising 0.001 a step that
    // is off by at most half a block's rise (0.032 for 64 points), noise aside.
    double worst = 0;
    double unsmoothed = 0;
    for (const SeriesPoint &p : drawn) {
        // Each block's last step.
        QCOMPARE(int(p.x) % metricsummary::kBlockPoints, metricsummary::kBlockPoints - 1);
        worst = std::max(worst, std::abs(p.y - exact[int(p.x)]));
        unsmoothed = std::max(unsmoothed, std::abs(value(int(p.x)) - exact[int(p.x)]));
    }
    QVERIFY2(worst < 0.04, qPrintable(u"off by %1"_s.arg(worst)));
    // Not smoothing at all is further off than that.
    QVERIFY2(unsmoothed > 0.05 && unsmoothed > worst * 1.5,
             qPrintable(u"raw off by only %1"_s.arg(unsmoothed)));
}

QTEST_GUILESS_MAIN(TestCompareData)
#include "tst_comparedata.moc"

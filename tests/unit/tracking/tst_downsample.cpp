// LTTB downsampling of metric series for charts: sizes, kept extremes, bands, NaN.

#include "core/tracking/downsample.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace millrace::tracking;

class TestDownsample : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shortSeriesComesBackWhole_data();
    void shortSeriesComesBackWhole();
    void longSeriesIsReducedToThreshold();
    void spikesSurvive();
    void bandsCoverEveryOriginalPoint();
    void nanValuesAreSkipped();
};

namespace {

QList<SeriesPoint> noisyCurve(int count)
{
    QList<SeriesPoint> series;
    for (int i = 0; i < count; ++i)
        series.append({double(i), 1.0 / (1 + i * 0.01) + 0.05 * std::sin(i * 0.7)});
    return series;
}

} // namespace

void TestDownsample::shortSeriesComesBackWhole_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("threshold");
    QTest::newRow("empty") << 0 << 100;
    QTest::newRow("fewer than threshold") << 50 << 100;
    QTest::newRow("exactly threshold") << 100 << 100;
    QTest::newRow("threshold too small to reduce") << 1000 << 2;
}

void TestDownsample::shortSeriesComesBackWhole()
{
    QFETCH(int, count);
    QFETCH(int, threshold);
    const QList<SeriesPoint> series = noisyCurve(count);
    const DownsampledSeries out = downsampleLttb(series, threshold);
    QCOMPARE(out.points.size(), series.size());
    for (qsizetype i = 0; i < series.size(); ++i) {
        QCOMPARE(out.points.at(i).x, series.at(i).x);
        QCOMPARE(out.low.at(i), series.at(i).y);
        QCOMPARE(out.high.at(i), series.at(i).y);
    }
}

void TestDownsample::longSeriesIsReducedToThreshold()
{
    const QList<SeriesPoint> series = noisyCurve(10000);
    const DownsampledSeries out = downsampleLttb(series, 500);
    QCOMPARE(out.points.size(), 500);
    QCOMPARE(out.low.size(), 500);
    QCOMPARE(out.high.size(), 500);
    QCOMPARE(out.points.first().x, 0.0);
    QCOMPARE(out.points.last().x, 9999.0);
    for (qsizetype i = 1; i < out.points.size(); ++i)
        QVERIFY(out.points.at(i).x > out.points.at(i - 1).x);
    // Every drawn point is an original point, not an invented one.
    for (const SeriesPoint &point : out.points)
        QCOMPARE(point.y, series.at(qsizetype(point.x)).y);
}

void TestDownsample::spikesSurvive()
{
    QList<SeriesPoint> series;
    for (int i = 0; i < 5000; ++i)
        series.append({double(i), i == 3217 ? 100.0 : (i == 1234 ? -50.0 : 0.0)});
    const DownsampledSeries out = downsampleLttb(series, 100);
    bool peak = false;
    bool dip = false;
    for (const SeriesPoint &point : out.points) {
        peak = peak || (point.x == 3217 && point.y == 100);
        dip = dip || (point.x == 1234 && point.y == -50);
    }
    QVERIFY(peak);
    QVERIFY(dip);
}

void TestDownsample::bandsCoverEveryOriginalPoint()
{
    const QList<SeriesPoint> series = noisyCurve(7777);
    const DownsampledSeries out = downsampleLttb(series, 300);
    double globalLow = series.first().y;
    double globalHigh = globalLow;
    for (const SeriesPoint &point : series) {
        globalLow = std::min(globalLow, point.y);
        globalHigh = std::max(globalHigh, point.y);
    }
    QCOMPARE(*std::min_element(out.low.cbegin(), out.low.cend()), globalLow);
    QCOMPARE(*std::max_element(out.high.cbegin(), out.high.cend()), globalHigh);
    for (qsizetype i = 0; i < out.points.size(); ++i) {
        QVERIFY(out.low.at(i) <= out.points.at(i).y);
        QVERIFY(out.points.at(i).y <= out.high.at(i));
    }
}

void TestDownsample::nanValuesAreSkipped()
{
    QList<SeriesPoint> series = noisyCurve(2000);
    for (int i = 0; i < 2000; i += 7)
        series[i].y = std::nan("");
    const DownsampledSeries out = downsampleLttb(series, 200);
    QCOMPARE(out.points.size(), 200);
    for (qsizetype i = 0; i < out.points.size(); ++i) {
        QVERIFY(!std::isnan(out.points.at(i).y));
        QVERIFY(!std::isnan(out.low.at(i)));
        QVERIFY(!std::isnan(out.high.at(i)));
    }
}

QTEST_GUILESS_MAIN(TestDownsample)
#include "tst_downsample.moc"

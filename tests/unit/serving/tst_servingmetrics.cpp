// The scoring server's metrics: histogram buckets and quantile estimates, per-version request
// counts, and the Prometheus text a scraper reads (names, labels, cumulative buckets, +Inf equal
// to _count), also while several threads record at once.

#include "core/serving/servingmetrics.h"

#include <QTest>

#include <thread>
#include <vector>

using namespace millrace::serving;
using namespace Qt::StringLiterals;

class TestServingMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void histogramCountsIntoBuckets();
    void quantilesInterpolateInsideBuckets();
    void requestsAreCountedByVersionAndStatus();
    void prometheusTextIsWellFormed();
    void concurrentRecordingLosesNothing();
};

void TestServingMetrics::histogramCountsIntoBuckets()
{
    Histogram histogram({1, 2, 5});
    for (double value : {0.5, 1.0, 1.5, 4.0, 9.0})
        histogram.observe(value);
    const Histogram::Reading reading = histogram.read();
    // le=1 holds 0.5 and 1.0 (bounds are inclusive), le=2 adds 1.5, le=5 adds 4, +Inf adds 9.
    QCOMPARE(reading.cumulative, (std::vector<quint64>{2, 3, 4, 5}));
    QCOMPARE(reading.count, quint64(5));
    QCOMPARE(reading.sum, 16.0);
}

void TestServingMetrics::quantilesInterpolateInsideBuckets()
{
    Histogram histogram({1, 2, 4});
    QCOMPARE(histogram.read().quantile(0.5), 0.0); // empty
    for (int i = 0; i < 50; ++i)
        histogram.observe(0.5); // (0, 1]
    for (int i = 0; i < 50; ++i)
        histogram.observe(3); // (2, 4]
    const Histogram::Reading reading = histogram.read();
    QCOMPARE(reading.quantile(0.5), 1.0);  // rank 50 ends the first bucket
    QCOMPARE(reading.quantile(0.25), 0.5); // halfway through it
    QCOMPARE(reading.quantile(0.75), 3.0); // halfway through (2, 4]
    histogram.observe(100);                // beyond the last bound
    QCOMPARE(histogram.read().quantile(1.0), 4.0);
}

void TestServingMetrics::requestsAreCountedByVersionAndStatus()
{
    ServingMetrics metrics;
    metrics.recordRequest(1, 200, 0.001, 1);
    metrics.recordRequest(1, 200, 0.003, 64);
    metrics.recordRequest(2, 200, 0.002, 1);
    metrics.recordRequest(2, 400, 0.0005, 0);
    metrics.recordRequest(0, 415, 0.0001, 0);
    metrics.recordSwap();
    const ServingMetrics::Snapshot snapshot = metrics.snapshot();
    QCOMPARE(snapshot.requests, quint64(5));
    QCOMPARE(snapshot.errors, quint64(2));
    QCOMPARE(snapshot.rows, quint64(66));
    QCOMPARE(snapshot.swaps, quint64(1));
    QCOMPARE(snapshot.requestsByVersion, (std::map<qint64, quint64>{{1, 2}, {2, 2}}));
    QVERIFY(snapshot.latencyP50 > 0.0005 && snapshot.latencyP50 <= 0.002);
    QVERIFY(snapshot.latencyP99 > 0.002 && snapshot.latencyP99 <= 0.003);
}

void TestServingMetrics::prometheusTextIsWellFormed()
{
    ServingMetrics metrics;
    metrics.setServed(u"fashion \"mnist\""_s, 3, 0.9);
    metrics.setServed(u"fashion \"mnist\""_s, 4, 0.1);
    metrics.recordRequest(3, 200, 0.0015, 2);
    metrics.recordRequest(3, 200, 20.0, 1);
    metrics.recordRequest(4, 500, 0.004, 1);
    metrics.requestStarted();
    metrics.recordPass(1);
    metrics.recordPass(5); // requests that queued together
    const QString text = QString::fromUtf8(metrics.prometheusText());
    const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);

    QVERIFY(lines.contains(u"millrace_serving_requests_total{version=\"3\",code=\"200\"} 2"_s));
    QVERIFY(lines.contains(u"millrace_serving_requests_total{version=\"4\",code=\"500\"} 1"_s));
    QVERIFY(lines.contains(u"millrace_serving_request_errors_total{version=\"3\"} 0"_s));
    QVERIFY(lines.contains(u"millrace_serving_request_errors_total{version=\"4\"} 1"_s));
    // Buckets are cumulative: 1.5 ms is under le=0.002, 20 s only under +Inf.
    QVERIFY(lines.contains(
        u"millrace_serving_request_duration_seconds_bucket{version=\"3\",le=\"0.001\"} 0"_s));
    QVERIFY(lines.contains(
        u"millrace_serving_request_duration_seconds_bucket{version=\"3\",le=\"0.002\"} 1"_s));
    QVERIFY(lines.contains(
        u"millrace_serving_request_duration_seconds_bucket{version=\"3\",le=\"10\"} 1"_s));
    QVERIFY(lines.contains(
        u"millrace_serving_request_duration_seconds_bucket{version=\"3\",le=\"+Inf\"} 2"_s));
    QVERIFY(lines.contains(u"millrace_serving_request_duration_seconds_count{version=\"3\"} 2"_s));
    QVERIFY(lines.contains(u"millrace_serving_batch_rows_count 3"_s));
    QVERIFY(lines.contains(u"millrace_serving_batch_rows_sum 4"_s));
    QVERIFY(lines.contains(u"millrace_serving_pass_rows_bucket{le=\"4\"} 1"_s));
    QVERIFY(lines.contains(u"millrace_serving_pass_rows_count 2"_s));
    QVERIFY(lines.contains(u"millrace_serving_pass_rows_sum 6"_s));
    // Quotes in a label value are escaped.
    QVERIFY(lines.contains(
        u"millrace_serving_model_version{model=\"fashion \\\"mnist\\\"\",version=\"4\"} 0.1"_s));
    QVERIFY(lines.contains(u"millrace_serving_inflight_requests 1"_s));
    // Every sample line belongs to a family declared by a TYPE line before it.
    QStringList declared;
    for (const QString &line : lines) {
        if (line.startsWith(u"# TYPE "_s)) {
            declared.append(line.section(u' ', 2, 2));
            continue;
        }
        if (line.startsWith(u'#'))
            continue;
        const QString name = line.section(u' ', 0, 0).section(u'{', 0, 0);
        const bool known = std::any_of(declared.begin(), declared.end(), [&](const QString &f) {
            return name == f || name == f + u"_bucket"_s || name == f + u"_sum"_s
                   || name == f + u"_count"_s;
        });
        QVERIFY2(known, qPrintable(line));
    }
}

void TestServingMetrics::concurrentRecordingLosesNothing()
{
    ServingMetrics metrics;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&metrics, t] {
            for (int i = 0; i < 5000; ++i)
                metrics.recordRequest(1 + t % 2, 200, 0.001 * (i % 7), 1);
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    const ServingMetrics::Snapshot snapshot = metrics.snapshot();
    QCOMPARE(snapshot.requests, quint64(40000));
    QCOMPARE(snapshot.rows, quint64(40000));
    QCOMPARE(snapshot.requestsByVersion.at(1), quint64(20000));
    QCOMPARE(snapshot.requestsByVersion.at(2), quint64(20000));
}

QTEST_GUILESS_MAIN(TestServingMetrics)
#include "tst_servingmetrics.moc"

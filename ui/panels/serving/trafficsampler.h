#pragma once

#include "core/serving/servingmetrics.h"

#include <QObject>

#include <deque>
#include <map>
#include <memory>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace::ui {

/// One second of serving traffic, as the Serving panel charts it.
struct TrafficSample
{
    qint64 atMs = 0;              ///< ms since the epoch
    double requestsPerSecond = 0; ///< since the previous sample
    /// Latency quantiles in milliseconds over the last few seconds' requests; NaN when there
    /// were none.
    double p50Ms = 0;
    double p99Ms = 0;
    quint64 requests = 0; ///< totals since serving started
    quint64 errors = 0;
    qint64 inflight = 0;
    std::map<qint64, quint64> requestsByVersion;
};

/// Samples a ServingMetrics once a second (snapshot() is cheap and thread-safe): requests/s
/// from successive totals, and latency quantiles from the difference of the latency histograms
/// a few seconds apart, as Prometheus' histogram_quantile(rate(...)) would.
class TrafficSampler : public QObject
{
    Q_OBJECT
public:
    explicit TrafficSampler(QObject *parent = nullptr);

    /// Starts sampling `metrics` (a new serving run): the first sample comes a second later.
    void start(std::shared_ptr<serving::ServingMetrics> metrics);
    /// Stops sampling; the metrics are let go.
    void stop();
    bool isSampling() const;
    /// Takes a sample now (tests; the timer does it otherwise).
    void sampleNow();

    /// The latency window: quantiles cover the requests of about this many seconds.
    static constexpr int kLatencyWindowSeconds = 10;

Q_SIGNALS:
    void sampled(const millrace::ui::TrafficSample &sample);

private:
    std::shared_ptr<serving::ServingMetrics> m_metrics;
    QTimer *m_timer;
    /// Recent snapshots' times and latency readings, oldest first, for the latency window.
    std::deque<std::pair<qint64, serving::Histogram::Reading>> m_recent;
    quint64 m_lastRequests = 0;
    qint64 m_lastMs = 0;
};

/// The requests of `later` that `earlier` had not counted yet (same bounds).
serving::Histogram::Reading histogramDifference(const serving::Histogram::Reading &later,
                                                const serving::Histogram::Reading &earlier);

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::TrafficSample)

#pragma once

#include <QByteArray>
#include <QString>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace millrace::serving {

/// A Prometheus histogram with fixed upper bounds, updated lock-free from any thread.
class Histogram
{
public:
    explicit Histogram(std::vector<double> upperBounds);

    void observe(double value);
    /// Cumulative counts per bound (the last is +Inf), the count and the sum, read together
    /// closely enough for a scrape.
    struct Reading
    {
        std::vector<double> upperBounds;
        std::vector<quint64> cumulative; ///< one per bound, then +Inf
        quint64 count = 0;
        double sum = 0;
        /// An estimate of the `share` quantile (0..1) by linear interpolation inside its
        /// bucket, as Prometheus' histogram_quantile() does; 0 when empty.
        double quantile(double share) const;
    };
    Reading read() const;

private:
    const std::vector<double> m_bounds;
    std::unique_ptr<std::atomic<quint64>[]> m_counts; ///< per bucket (not cumulative), +Inf last
    std::atomic<quint64> m_count{0};
    std::atomic<double> m_sum{0};
};

/// The scoring server's request metrics, per model version (two versions answer during an A/B
/// split), rendered in Prometheus' text format at /metrics and read by the Serving panel.
/// Safe to update from the inference workers and read from any thread.
class ServingMetrics
{
public:
    ServingMetrics();
    ~ServingMetrics();

    /// One answered request: its HTTP status, the version that answered it (0 when none did,
    /// e.g. a body that did not parse), its time from arrival to answer and its rows.
    void recordRequest(qint64 version, int status, double seconds, qint64 rows);
    /// One forward pass of `rows` rows: a request's, or several requests' that queued while
    /// the workers were busy and were scored together.
    void recordPass(qint64 rows) { m_passRows.observe(double(rows)); }
    /// A model version was put in service (or taken out of it: weight 0) under `model`.
    void setServed(const QString &model, qint64 version, double weight);
    /// The served model was replaced by another version.
    void recordSwap();
    /// Requests being answered right now.
    void requestStarted() { m_inflight.fetch_add(1, std::memory_order_relaxed); }
    void requestFinished() { m_inflight.fetch_sub(1, std::memory_order_relaxed); }

    /// What the Serving panel charts: totals since the start, and latency quantiles.
    struct Snapshot
    {
        quint64 requests = 0;
        quint64 errors = 0; ///< 4xx and 5xx answers
        quint64 rows = 0;
        quint64 swaps = 0;
        qint64 inflight = 0;
        double latencyP50 = 0; ///< seconds, estimated from the histogram
        double latencyP99 = 0;
        std::map<qint64, quint64> requestsByVersion;
        /// Every request's latency, all versions together: the difference of two snapshots
        /// gives the quantiles of the requests between them (the panel's charts).
        Histogram::Reading latency;
    };
    Snapshot snapshot() const;

    /// The Prometheus text exposition (version 0.0.4) of every metric.
    QByteArray prometheusText() const;
    /// Appends the text `source` gives to every prometheusText() (e.g. the Kafka predictor's
    /// counters), under `name`: setting a name again replaces its source, and an empty
    /// `source` takes it away. `source` runs on the scraping thread, so it must be thread-safe.
    void setSource(const QString &name, std::function<QByteArray()> source);

private:
    struct VersionMetrics;
    VersionMetrics &metricsOf(qint64 version);

    mutable std::mutex m_mutex; ///< guards the maps, not the counters in them
    std::map<qint64, std::unique_ptr<VersionMetrics>> m_versions;
    std::map<std::pair<QString, qint64>, double> m_served;
    std::map<QString, std::function<QByteArray()>> m_sources;
    Histogram m_rows;
    Histogram m_passRows;
    std::atomic<quint64> m_swaps{0};
    std::atomic<qint64> m_inflight{0};
};

} // namespace millrace::serving

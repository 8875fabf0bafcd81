#include "ui/panels/serving/trafficsampler.h"

#include <QDateTime>
#include <QTimer>

#include <cmath>
#include <limits>

namespace millrace::ui {

serving::Histogram::Reading histogramDifference(const serving::Histogram::Reading &later,
                                                const serving::Histogram::Reading &earlier)
{
    serving::Histogram::Reading difference = later;
    if (earlier.cumulative.size() != later.cumulative.size())
        return difference;
    for (std::size_t i = 0; i < difference.cumulative.size(); ++i)
        difference.cumulative[i] -= std::min(difference.cumulative[i], earlier.cumulative[i]);
    difference.count -= std::min(later.count, earlier.count);
    difference.sum = std::max(0.0, later.sum - earlier.sum);
    return difference;
}

TrafficSampler::TrafficSampler(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &TrafficSampler::sampleNow);
}

void TrafficSampler::start(std::shared_ptr<serving::ServingMetrics> metrics)
{
    m_metrics = std::move(metrics);
    m_recent.clear();
    m_lastRequests = 0;
    m_lastMs = QDateTime::currentMSecsSinceEpoch();
    if (m_metrics)
        m_timer->start();
    else
        m_timer->stop();
}

void TrafficSampler::stop()
{
    m_timer->stop();
    m_metrics.reset();
    m_recent.clear();
}

bool TrafficSampler::isSampling() const
{
    return m_timer->isActive();
}

void TrafficSampler::sampleNow()
{
    if (!m_metrics)
        return;
    const serving::ServingMetrics::Snapshot snapshot = m_metrics->snapshot();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    TrafficSample sample;
    sample.atMs = now;
    sample.requests = snapshot.requests;
    sample.errors = snapshot.errors;
    sample.inflight = snapshot.inflight;
    sample.requestsByVersion = snapshot.requestsByVersion;
    const double seconds = std::max(0.001, double(now - m_lastMs) / 1000.0);
    sample.requestsPerSecond =
        double(snapshot.requests - std::min(snapshot.requests, m_lastRequests)) / seconds;
    m_lastRequests = snapshot.requests;
    m_lastMs = now;

    // The window's start: the newest reading at least the window old, else the oldest kept.
    while (m_recent.size() > 1 && now - m_recent[1].first >= kLatencyWindowSeconds * 1000)
        m_recent.pop_front();
    const serving::Histogram::Reading window =
        m_recent.empty() ? snapshot.latency
                         : histogramDifference(snapshot.latency, m_recent.front().second);
    constexpr double none = std::numeric_limits<double>::quiet_NaN();
    sample.p50Ms = window.count > 0 ? window.quantile(0.5) * 1000 : none;
    sample.p99Ms = window.count > 0 ? window.quantile(0.99) * 1000 : none;
    m_recent.emplace_back(now, snapshot.latency);
    Q_EMIT sampled(sample);
}

} // namespace millrace::ui

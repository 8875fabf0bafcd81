#include "ui/panels/experiments/compare/comparedata.h"

#include "core/base/cancellation.h"
#include "core/tracking/trackingstore.h"

#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace millrace::ui {

namespace {

// Points a whole chart keeps across its series, and the most one series keeps: a few per pixel
// of a wide chart is all a line can show.
constexpr int kChartPointBudget = 60000;
constexpr int kMaxSeriesPoints = 2000;
constexpr int kMinSeriesPoints = 150;

QList<tracking::SeriesPoint> chartPoints(const tracking::MetricSeries &series, HistoryAxis axis,
                                         const QList<double> &values)
{
    QList<tracking::SeriesPoint> points;
    points.reserve(values.size());
    const qint64 origin = series.timestamps.isEmpty() ? 0 : series.timestamps.first();
    for (int i = 0; i < values.size(); ++i) {
        double x = 0;
        switch (axis) {
        case HistoryAxis::Step:
            x = double(series.steps[i]);
            break;
        case HistoryAxis::WallTime:
            x = double(series.timestamps[i]);
            break;
        case HistoryAxis::RelativeTime:
            x = double(series.timestamps[i] - origin) / 1000.0;
            break;
        }
        points.append({x, values[i]});
    }
    // The store orders by step; by time, a point logged late for an early step moves. LTTB needs
    // x in order.
    if (axis != HistoryAxis::Step)
        std::stable_sort(points.begin(), points.end(),
                         [](const auto &a, const auto &b) { return a.x < b.x; });
    return points;
}

} // namespace

int historyPointBudget(int seriesCount)
{
    if (seriesCount <= 0)
        return kMaxSeriesPoints;
    return qBound(kMinSeriesPoints, kChartPointBudget / seriesCount, kMaxSeriesPoints);
}

QList<double> smoothValues(const QList<double> &values, double weight)
{
    if (weight <= 0)
        return values;
    weight = qMin(weight, 0.999);
    QList<double> smoothed;
    smoothed.reserve(values.size());
    double average = 0;
    double startWeight = 1; // weight^n after n values: what the zero start still holds
    for (double value : values) {
        if (!std::isfinite(value)) {
            smoothed.append(value);
            continue;
        }
        startWeight *= weight;
        average = average * weight + (1 - weight) * value;
        // Dividing out the weight the zero start still holds makes the first points their own
        // values instead of being pulled towards zero.
        smoothed.append(average / (1 - startWeight));
    }
    return smoothed;
}

std::optional<tracking::MetricSeries> HistoryCache::find(const QString &runId, const QString &key,
                                                         const QString &version) const
{
    std::lock_guard lock(m_mutex);
    const auto found = m_entries.constFind(runId + QLatin1Char('|') + key);
    if (found == m_entries.cend() || found->version != version)
        return std::nullopt;
    return found->series;
}

void HistoryCache::insert(const QString &runId, const QString &version,
                          const tracking::MetricSeries &series)
{
    std::lock_guard lock(m_mutex);
    if (m_points + series.values.size() > kMaxPoints) {
        m_entries.clear();
        m_points = 0;
    }
    Entry &entry = m_entries[runId + QLatin1Char('|') + series.key];
    m_points += series.values.size() - entry.series.values.size();
    entry = {version, series};
}

bool HistoryCache::contains(const QString &runId, const QString &key) const
{
    std::lock_guard lock(m_mutex);
    return m_entries.contains(runId + QLatin1Char('|') + key);
}

qint64 HistoryCache::points() const
{
    std::lock_guard lock(m_mutex);
    return m_points;
}

Result<QList<HistorySeries>> loadHistories(const tracking::TrackingStore &tracking,
                                           const HistoryRequest &request,
                                           const CancellationToken &cancel, HistoryCache *cache)
{
    const int budget = request.pointBudget > 0
                           ? request.pointBudget
                           : historyPointBudget(int(request.runIds.size() * request.keys.size()));
    struct PerRun
    {
        QList<HistorySeries> series;
        std::optional<Error> error;
    };
    QList<PerRun> results(request.runIds.size());
    QList<int> indices(request.runIds.size());
    std::iota(indices.begin(), indices.end(), 0);

    // Each run is its own read (per-thread connections), so the pool's threads read side by side.
    QtConcurrent::blockingMap(indices, [&](int index) {
        if (cancel.isCancelled())
            return;
        PerRun &out = results[index];
        const QString &runId = request.runIds[index];
        // Histories the cache holds at their current version are not read again. Points are
        // only ever added, so the latest point and the count tell a grown history (a point
        // logged for an earlier step leaves the latest one as it was).
        // Counting is only worth it for histories the cache holds; one read now is counted as
        // it is stored.
        QStringList held;
        for (const QString &key : request.keys) {
            if (cache && cache->contains(runId, key))
                held.append(key);
        }
        QMap<QString, qint64> counts;
        if (!held.isEmpty()) {
            auto counted = tracking.metricCounts(runId, held);
            if (!counted) {
                out.error = counted.error();
                return;
            }
            counts = *counted;
        }
        auto versionOf = [&](const QString &key, qint64 count) {
            const QString latest = request.versions.value(runId + QLatin1Char('|') + key);
            return latest.isEmpty() ? QString()
                                    : latest + QLatin1Char('#') + QString::number(count);
        };
        QList<tracking::MetricSeries> histories;
        QStringList missing;
        for (const QString &key : request.keys) {
            const QString version = versionOf(key, counts.value(key));
            std::optional<tracking::MetricSeries> cached;
            if (held.contains(key) && !version.isEmpty())
                cached = cache->find(runId, key, version);
            if (cached)
                histories.append(std::move(*cached));
            else
                missing.append(key);
        }
        if (!missing.isEmpty()) {
            auto read = tracking.metricSeries(runId, missing);
            if (!read) {
                out.error = read.error();
                return;
            }
            for (const tracking::MetricSeries &history : std::as_const(*read)) {
                const QString version = versionOf(history.key, history.values.size());
                if (cache && !version.isEmpty())
                    cache->insert(runId, version, history);
            }
            histories.append(*read);
            // Back into the order of the request's keys.
            std::stable_sort(histories.begin(), histories.end(), [&](const auto &a, const auto &b) {
                return request.keys.indexOf(a.key) < request.keys.indexOf(b.key);
            });
        }
        for (const tracking::MetricSeries &history : std::as_const(histories)) {
            if (history.values.isEmpty() || cancel.isCancelled())
                continue;
            const QList<double> values = smoothValues(history.values, request.smoothing);
            HistorySeries series;
            series.runId = runId;
            series.key = history.key;
            series.loggedPoints = int(history.values.size());
            series.data =
                tracking::downsampleLttb(chartPoints(history, request.axis, values), budget);
            out.series.append(std::move(series));
        }
    });
    if (cancel.isCancelled())
        return QList<HistorySeries>();

    QList<HistorySeries> all;
    for (PerRun &result : results) {
        // A run deleted meanwhile just drops out of the chart; anything else is worth saying.
        if (result.error && result.error->code != tracking::errorcode::kResourceDoesNotExist)
            return *result.error;
        all.append(std::move(result.series));
    }
    return all;
}

Result<RunMetricRanges> loadMetricRanges(const tracking::TrackingStore &tracking,
                                         const QStringList &runIds, const CancellationToken &cancel)
{
    RunMetricRanges ranges;
    for (const QString &runId : runIds) {
        if (cancel.isCancelled())
            return RunMetricRanges();
        auto runRanges = tracking.metricRanges(runId);
        if (!runRanges) {
            if (runRanges.error().code == tracking::errorcode::kResourceDoesNotExist)
                continue;
            return runRanges.error();
        }
        ranges.insert(runId, *runRanges);
    }
    return ranges;
}

} // namespace millrace::ui

#include "ui/panels/experiments/compare/comparedata.h"

#include "core/base/cancellation.h"
#include "core/store/metricsummary.h"
#include "core/tracking/trackingstore.h"

#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <tuple>

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

// Of each block of a summarised history, four points are drawn: first, lowest, highest, last.
constexpr int kPointsPerBlockDrawn = metricsummary::kBlockPoints / 4;

void appendPoint(tracking::MetricSeries &series, const tracking::HistoryPoint &point)
{
    series.steps.append(point.step);
    series.timestamps.append(point.timestamp);
    series.values.append(point.value);
}

// The points a line through every point of the blocks would show: each block's first, lowest,
// highest and last point, in history order, each once.
tracking::MetricSeries blockPoints(const QList<tracking::MetricBlock> &blocks)
{
    tracking::MetricSeries series;
    series.steps.reserve(blocks.size() * 4);
    series.timestamps.reserve(blocks.size() * 4);
    series.values.reserve(blocks.size() * 4);
    for (const tracking::MetricBlock &block : blocks) {
        QList<tracking::HistoryPoint> points{block.first};
        for (const auto &extreme : {block.low, block.high}) {
            if (extreme)
                points.append(*extreme);
        }
        points.append(block.last);
        std::sort(points.begin(), points.end(), [](const auto &a, const auto &b) {
            return std::tie(a.step, a.timestamp) < std::tie(b.step, b.timestamp);
        });
        for (int i = 0; i < points.size(); ++i) {
            const bool repeat = i > 0 && points[i].step == points[i - 1].step
                                && points[i].timestamp == points[i - 1].timestamp;
            if (!repeat)
                appendPoint(series, points[i]);
        }
    }
    return series;
}

// The smoothed line of a summarised history, a point at the end of each block: the moving
// average taken over the block's finite values as if each were the block's mean, which for a
// weight w and n values moves the average by 1 - w^n of the way to the mean. Debiased as
// smoothValues() does.
tracking::MetricSeries smoothedBlocks(const QList<tracking::MetricBlock> &blocks, double weight)
{
    weight = qMin(weight, 0.999);
    tracking::MetricSeries series;
    double average = 0;
    double startWeight = 1;
    for (const tracking::MetricBlock &block : blocks) {
        if (block.finitePoints == 0)
            continue;
        const double kept = std::pow(weight, block.finitePoints);
        average = average * kept + (1 - kept) * (block.finiteSum / block.finitePoints);
        startWeight *= kept;
        tracking::HistoryPoint point = block.last;
        point.value = average / (1 - startWeight);
        appendPoint(series, point);
    }
    return series;
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

Result<QList<HistorySeries>> loadHistories(const tracking::TrackingStore &tracking,
                                           const HistoryRequest &request,
                                           const CancellationToken &cancel)
{
    const int budget = request.pointBudget > 0
                           ? request.pointBudget
                           : historyPointBudget(int(request.runIds.size() * request.keys.size()));
    // A history up to this long is read whole; a longer one as its blocks, whose four points
    // each still leave more than the budget to choose from. So a chart reads a bounded number
    // of points (16 times its budget at most), however long the histories.
    const qint64 wholeUpTo = qint64(budget) * kPointsPerBlockDrawn;
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
        auto read = tracking.metricOverviews(runId, request.keys, wholeUpTo);
        if (!read) {
            out.error = read.error();
            return;
        }
        for (const tracking::MetricOverview &overview : std::as_const(*read)) {
            if (overview.points == 0 || cancel.isCancelled())
                continue;
            HistorySeries series;
            series.runId = runId;
            series.key = overview.key;
            series.loggedPoints = int(overview.points);
            if (overview.summarised()) {
                const tracking::MetricSeries drawn =
                    request.smoothing > 0 ? smoothedBlocks(overview.blocks, request.smoothing)
                                          : blockPoints(overview.blocks);
                series.data = tracking::downsampleLttb(
                    chartPoints(drawn, request.axis, drawn.values), budget);
            } else {
                const QList<double> values = smoothValues(overview.whole.values, request.smoothing);
                series.data = tracking::downsampleLttb(
                    chartPoints(overview.whole, request.axis, values), budget);
            }
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

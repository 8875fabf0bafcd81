#pragma once

#include "core/base/result.h"
#include "core/tracking/downsample.h"
#include "core/tracking/trackingtypes.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace {
class CancellationToken;
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

// What the compare view reads and computes off the GUI thread. The load functions run SQL on the
// calling thread: call them from a Job.

/// What the x axis of a metric-history chart measures.
enum class HistoryAxis {
    Step,         ///< the step logged with each point
    WallTime,     ///< the point's timestamp (ms since the epoch)
    RelativeTime, ///< seconds since the run's first point
};

/// Which metric histories to draw, and how.
struct HistoryRequest
{
    QStringList runIds;
    QStringList keys;
    HistoryAxis axis = HistoryAxis::Step;
    double smoothing = 0; ///< 0 (none) to below 1: weight of the exponential moving average
    int pointBudget = 0;  ///< most points per series; 0 picks from the number of series
};

/// One line of the chart: a run's metric, smoothed and downsampled for drawing.
struct HistorySeries
{
    QString runId;
    QString key;
    tracking::DownsampledSeries data; ///< low/high span the original points each one stands for
    int loggedPoints = 0;             ///< points in the store, before downsampling
    bool downsampled() const { return data.points.size() < loggedPoints; }
};

/// How many points each of `seriesCount` series keeps: plenty for one line, fewer as lines pile
/// up, so a chart of hundreds of runs stays quick to draw.
int historyPointBudget(int seriesCount);

/// Exponential moving average with the start-up bias removed (as TensorBoard and MLflow smooth):
/// `weight` 0 returns the values unchanged. NaN values are passed through and left out of the
/// average.
QList<double> smoothValues(const QList<double> &values, double weight);

/// Reads, smooths and downsamples the histories `request` names; runs in parallel over the
/// runs on the global thread pool. A long history is read as its summary (blocks of 64 points:
/// their first, lowest, highest and last points; smoothing over their means), so a chart reads
/// a bounded number of rows however long its histories are. Series come back in request order
/// (runs, then keys); a key a run never logged gives no series. Stops early with an empty list
/// when `cancel` fires.
Result<QList<HistorySeries>> loadHistories(const tracking::TrackingStore &tracking,
                                           const HistoryRequest &request,
                                           const CancellationToken &cancel);

/// The lowest and highest value of every metric of each run, by run id.
using RunMetricRanges = QMap<QString, QMap<QString, tracking::MetricRange>>;

/// Reads the metric ranges of `runIds` (for bar charts of min or max).
Result<RunMetricRanges> loadMetricRanges(const tracking::TrackingStore &tracking,
                                         const QStringList &runIds,
                                         const CancellationToken &cancel);

} // namespace millrace::ui

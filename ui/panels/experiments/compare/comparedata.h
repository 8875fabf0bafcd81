#pragma once

#include "core/base/result.h"
#include "core/tracking/downsample.h"
#include "core/tracking/trackingtypes.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <mutex>
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

/// Histories read before, so a chart redrawn with other settings, or with one run that logged
/// more, reads only what changed. Each entry is tagged with the latest point the run table showed
/// for it ("step/timestamp"); a different tag means the history grew and is read again. Bounded:
/// past kMaxPoints it forgets everything and starts over. Safe to use from several threads.
class HistoryCache
{
public:
    static constexpr qint64 kMaxPoints = 20'000'000;

    /// The history of `key` in `runId` if it was read with the same `version`.
    std::optional<tracking::MetricSeries> find(const QString &runId, const QString &key,
                                               const QString &version) const;
    void insert(const QString &runId, const QString &version, const tracking::MetricSeries &series);
    /// Whether some version of `key` in `runId` is held.
    bool contains(const QString &runId, const QString &key) const;
    /// Points held, for tests.
    qint64 points() const;

private:
    struct Entry
    {
        QString version;
        tracking::MetricSeries series;
    };
    mutable std::mutex m_mutex;
    QHash<QString, Entry> m_entries; ///< by "runId|key"
    qint64 m_points = 0;
};

/// Which metric histories to draw, and how.
struct HistoryRequest
{
    QStringList runIds;
    QStringList keys;
    /// The latest point of each history as "step/timestamp", by "runId|key": what the cache
    /// checks. Histories without one are always read.
    QHash<QString, QString> versions;
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
/// runs on the global thread pool. Series come back in request order (runs, then keys); a key
/// a run never logged gives no series. Stops early with an empty list when `cancel` fires.
/// With a `cache`, histories whose version it holds are not read again, and those read are kept.
Result<QList<HistorySeries>> loadHistories(const tracking::TrackingStore &tracking,
                                           const HistoryRequest &request,
                                           const CancellationToken &cancel,
                                           HistoryCache *cache = nullptr);

/// The lowest and highest value of every metric of each run, by run id.
using RunMetricRanges = QMap<QString, QMap<QString, tracking::MetricRange>>;

/// Reads the metric ranges of `runIds` (for bar charts of min or max).
Result<RunMetricRanges> loadMetricRanges(const tracking::TrackingStore &tracking,
                                         const QStringList &runIds,
                                         const CancellationToken &cancel);

} // namespace millrace::ui

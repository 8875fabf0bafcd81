#pragma once

#include <QString>
#include <QStringList>

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::bench {

/// The size of the large tracking store the search and GUI benchmarks share.
inline constexpr int kRuns = 10000;         ///< runs in the experiment
inline constexpr int kParamsPerRun = 20;    ///< params "param_0" ... of every run
inline constexpr int kMetricsPerRun = 20;   ///< single-value metrics "metric_0" ... of every run
inline constexpr int kHistoryRuns = 100;    ///< the first runs also get long histories
inline constexpr int kHistoryMetrics = 3;   ///< metrics "curve_0" ... of those runs
inline constexpr int kHistorySteps = 10000; ///< steps of each curve

/// What fillLargeExperiment() logged that benchmarks look up again.
struct LargeExperiment
{
    QStringList historyRunIds;     ///< the kHistoryRuns runs with curves, oldest first
    QStringList historyMetricKeys; ///< "curve_0", "curve_1", ...
};

/// Logs kRuns runs into `experimentId`, each with kParamsPerRun params (small integers as text)
/// and kMetricsPerRun metrics (values in [0, 1)), and gives the first kHistoryRuns runs
/// kHistoryMetrics curves of kHistorySteps steps. Deterministic; writes through the store's
/// asynchronous batches as a busy client would. Stops the program on a failure (it is a bench).
LargeExperiment fillLargeExperiment(tracking::TrackingStore &tracking, const QString &experimentId);

} // namespace millrace::bench

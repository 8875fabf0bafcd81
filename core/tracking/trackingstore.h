#pragma once

#include "core/base/result.h"
#include "core/tracking/trackingtypes.h"

#include <QFuture>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace {
class Store;
}

namespace millrace::tracking {

/// Experiments, runs, params, metrics and tags in the workspace database, with MLflow's rules:
/// params are immutable, tags and metrics belong to active runs, log-batch limits, soft deletes.
/// Every call runs on the calling thread and waits for its write to commit: call it from a
/// worker or the REST server's pool, never from the GUI thread. Failures carry MLflow error
/// codes (see trackingtypes.h).
class TrackingStore
{
public:
    /// `store` is the workspace database; `artifactRoot` the workspace's artifacts folder.
    TrackingStore(Store &store, QString artifactRoot);

    // Experiments
    Result<QString> createExperiment(const QString &name,
                                     const QString &artifactLocation = QString(),
                                     const KeyValueList &tags = {});
    Result<Experiment> experiment(const QString &experimentId) const;
    Result<Experiment> experimentByName(const QString &name) const;
    /// Experiments matching `filter` (`name LIKE '%x%'`, `tags.k = 'v'`, ...), ordered by
    /// `orderBy` (default: last update, newest first).
    Result<Page<Experiment>> searchExperiments(ViewType viewType, int maxResults,
                                               const QString &pageToken,
                                               const QString &filter = QString(),
                                               const QStringList &orderBy = {}) const;
    Result<void> renameExperiment(const QString &experimentId, const QString &newName);
    Result<void> deleteExperiment(const QString &experimentId);
    Result<void> restoreExperiment(const QString &experimentId);
    Result<void> setExperimentTag(const QString &experimentId, const QString &key,
                                  const QString &value);

    // Runs
    Result<Run> createRun(const QString &experimentId, const QString &userId,
                          const QString &runName, std::optional<qint64> startTime,
                          const QList<QPair<QString, QString>> &tags);
    Result<Run> run(const QString &runId) const;
    /// Changes status, end time and/or name; unset arguments leave the field as it is.
    Result<RunInfo> updateRun(const QString &runId, std::optional<RunStatus> status,
                              std::optional<qint64> endTime, const QString &runName = QString());
    Result<void> deleteRun(const QString &runId);
    Result<void> restoreRun(const QString &runId);
    /// Logs metrics, params and tags in one transaction: all of them or, on any error, none.
    Result<void> logBatch(const QString &runId, const QList<MetricPoint> &metrics,
                          const QList<QPair<QString, QString>> &params,
                          const QList<QPair<QString, QString>> &tags);
    /// logBatch without waiting: the future finishes once the batch committed or was refused.
    /// Batches queued together share one transaction, so a trainer logging as it goes is not held
    /// up by each commit.
    QFuture<Result<void>> logBatchAsync(const QString &runId, const QList<MetricPoint> &metrics,
                                        const QList<QPair<QString, QString>> &params,
                                        const QList<QPair<QString, QString>> &tags);
    Result<void> deleteTag(const QString &runId, const QString &key);
    /// Every logged point of one metric, by step then timestamp.
    Result<Page<MetricPoint>> metricHistory(const QString &runId, const QString &key,
                                            int maxResults, const QString &pageToken) const;
    /// The whole history of each of `keys` for one run, as columns: the fast read for charts (a
    /// key the run never logged comes back empty).
    Result<QList<MetricSeries>> metricSeries(const QString &runId, const QStringList &keys) const;
    /// The history of each of `keys` for one run as a chart reads it: whole when it has at most
    /// `wholeUpTo` points (or came out of order), else its blocks (see metricsummary.h). A key the
    /// run never logged comes back with no points.
    Result<QList<MetricOverview>> metricOverviews(const QString &runId, const QStringList &keys,
                                                  qint64 wholeUpTo) const;
    /// The lowest and highest value of each metric the run logged, by key.
    Result<QMap<QString, MetricRange>> metricRanges(const QString &runId) const;
    /// Runs of the given experiments matching `filter` (MLflow syntax plus OR and parentheses).
    Result<Page<Run>> searchRuns(const QStringList &experimentIds, const QString &filter,
                                 ViewType viewType, int maxResults, const QStringList &orderBy,
                                 const QString &pageToken) const;
    /// Marks runs left RUNNING by a crash as FAILED; call once at start-up. Returns how many.
    Result<int> failInterruptedRuns();

    /// Where a run's artifacts live on disk (the folder exists once something was uploaded).
    Result<QString> runArtifactDirectory(const QString &runId) const;
    /// The folder that mlflow-artifacts:/ URIs point into.
    QString artifactRoot() const { return m_artifactRoot; }

private:
    template <typename Fn> Result<void> writeChecked(Fn write);
    template <typename Fn> QFuture<Result<void>> writeCheckedAsync(Fn write);

    Store &m_store;
    QString m_artifactRoot;
};

} // namespace millrace::tracking

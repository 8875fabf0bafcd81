#include "trackingfixture.h"

#include "core/tracking/trackingstore.h"

#include <QFuture>
#include <QList>

namespace millrace::bench {

using tracking::MetricPoint;

LargeExperiment fillLargeExperiment(tracking::TrackingStore &tracking, const QString &experimentId)
{
    LargeExperiment filled;
    for (int curve = 0; curve < kHistoryMetrics; ++curve)
        filled.historyMetricKeys.append(QStringLiteral("curve_%1").arg(curve));
    // Histories go in as batches of 1000 points, as the mlflow client sends them.
    constexpr int kChunk = 1000;
    constexpr int kChunksPerCurve = kHistorySteps / kChunk;
    QList<QFuture<Result<void>>> pending;
    for (int r = 0; r < kRuns; ++r) {
        auto run = tracking.createRun(experimentId, QStringLiteral("bench"),
                                      QStringLiteral("run-%1").arg(r), 1700000000000 + r, {});
        if (!run)
            qFatal("%s", qPrintable(run.errorMessage()));
        QList<QPair<QString, QString>> params;
        QList<MetricPoint> metrics;
        for (int k = 0; k < qMax(kParamsPerRun, kMetricsPerRun); ++k) {
            if (k < kParamsPerRun)
                params.append(
                    {QStringLiteral("param_%1").arg(k), QString::number((r * 7 + k) % 97)});
            if (k < kMetricsPerRun)
                metrics.append({QStringLiteral("metric_%1").arg(k),
                                double((r * 13 + k) % 1000) / 1000, 1700000000000 + r, 0});
        }
        pending.append(tracking.logBatchAsync(run->info.runId, metrics, params, {}));
        if (r < kHistoryRuns) {
            filled.historyRunIds.append(run->info.runId);
            for (int chunk = 0; chunk < kHistoryMetrics * kChunksPerCurve; ++chunk) {
                QList<MetricPoint> history;
                for (int i = 0; i < kChunk; ++i) {
                    const int step = (chunk % kChunksPerCurve) * kChunk + i;
                    history.append({filled.historyMetricKeys.at(chunk / kChunksPerCurve),
                                    1.0 / (step + 1), 1700000000000 + step, step});
                }
                pending.append(tracking.logBatchAsync(run->info.runId, history, {}, {}));
            }
        }
    }
    for (auto &future : pending) {
        if (!future.result())
            qFatal("%s", qPrintable(future.result().errorMessage()));
    }
    return filled;
}

} // namespace millrace::bench

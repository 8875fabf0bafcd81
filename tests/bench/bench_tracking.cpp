// In-process metric logging through TrackingStore (the path the REST API and the trainer use):
// points per second with MLflow's largest batch (1,000 metrics), durable commits. "queued" is
// how a trainer logs (batches queued, committed in groups); "each committed" waits for every
// batch's commit, as one REST request does.

#include "core/store/store.h"
#include "core/tracking/trackingstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>
#include <thread>
#include <vector>

using namespace millrace;
using namespace millrace::tracking;

namespace {

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

QList<MetricPoint> batch(int first, int size)
{
    QList<MetricPoint> points;
    points.reserve(size);
    for (int i = 0; i < size; ++i) {
        const int step = first + i;
        // Three metrics per step, as a training loop logs them.
        points.append({QStringLiteral("loss"), 1.0 / (step + 1), 1700000000000 + step, step});
    }
    return points;
}

double pointsPerSecond(TrackingStore &tracking, int writers, int batchesPerWriter, bool waitForEach)
{
    QStringList runs;
    for (int w = 0; w < writers; ++w) {
        auto run = tracking.createRun(QStringLiteral("0"), QStringLiteral("bench"),
                                      QStringLiteral("writer-%1").arg(w), std::nullopt, {});
        if (!run)
            qFatal("%s", qPrintable(run.errorMessage()));
        runs.append(run->info.runId);
    }
    constexpr int kBatch = 1000;
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            if (!waitForEach) {
                // As a trainer logs: queue batches, check them at the end.
                QList<QFuture<Result<void>>> pending;
                for (int b = 0; b < batchesPerWriter; ++b)
                    pending.append(
                        tracking.logBatchAsync(runs.at(w), batch(b * kBatch, kBatch), {}, {}));
                for (auto &future : pending) {
                    if (!future.result())
                        qFatal("%s", qPrintable(future.result().errorMessage()));
                }
                return;
            }
            // As a REST client logs: each batch waits for its commit.
            for (int b = 0; b < batchesPerWriter; ++b) {
                Result<void> logged =
                    tracking.logBatch(runs.at(w), batch(b * kBatch, kBatch), {}, {});
                if (!logged)
                    qFatal("%s", qPrintable(logged.errorMessage()));
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    return double(writers) * batchesPerWriter * kBatch / (timer.nsecsElapsed() / 1e9);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    auto store = Store::openMillrace(dir.filePath(QStringLiteral("millrace.db")));
    if (!store)
        qFatal("%s", qPrintable(store.errorMessage()));
    TrackingStore tracking(**store, dir.filePath(QStringLiteral("artifacts")));
    report("tracking_log_batch_queued", pointsPerSecond(tracking, 1, 500, false), "points/s");
    report("tracking_log_batch_each_committed_1_writer", pointsPerSecond(tracking, 1, 300, true),
           "points/s");
    report("tracking_log_batch_each_committed_4_writers", pointsPerSecond(tracking, 4, 100, true),
           "points/s");
    return 0;
}

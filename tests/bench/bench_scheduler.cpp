// The scheduler's own overhead: a chain of 100 no-op tasks from trigger to the run's end, and
// how long a task waits to start after the task it depends on returned. The scheduler runs on
// its own thread with a real workspace database (synchronous = FULL), as in the app.

#include "core/base/servicethread.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

using namespace millrace;
using namespace millrace::scheduler;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kChainLength = 100;
constexpr int kRounds = 7;

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.3f %s\n", name, value, unit);
    std::fflush(stdout);
}

double percentile(std::vector<double> values, double share)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, std::size_t(share * double(values.size())))];
}

// A no-op that notes when each of its tries started and returned, by task id.
class StampOperator : public plugins::TaskOperator
{
public:
    QJsonObject parameterSchema() const override
    {
        return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                           {QStringLiteral("additionalProperties"), false}};
    }

    plugins::TaskOutcome run(plugins::TaskContext &context) override
    {
        const Clock::time_point started = Clock::now();
        std::lock_guard lock(m_mutex);
        m_started[context.runId() + context.taskId()] = started;
        m_returned[context.runId() + context.taskId()] = Clock::now();
        return plugins::TaskOutcome{};
    }

    // When `taskId` of `runId` returned.
    std::optional<Clock::time_point> returned(const QString &runId, const QString &taskId)
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_returned.find(runId + taskId);
        return found == m_returned.end() ? std::nullopt : std::optional(found->second);
    }

    // Start of task i+1 minus return of task i, in ms, for one run's chain.
    std::vector<double> waits(const QString &runId)
    {
        std::lock_guard lock(m_mutex);
        std::vector<double> waits;
        for (int i = 1; i < kChainLength; ++i) {
            const auto before = m_returned.find(runId + QStringLiteral("t%1").arg(i - 1));
            const auto after = m_started.find(runId + QStringLiteral("t%1").arg(i));
            if (before == m_returned.end() || after == m_started.end())
                continue;
            waits.push_back(
                std::chrono::duration<double, std::milli>(after->second - before->second).count());
        }
        return waits;
    }

private:
    std::mutex m_mutex;
    std::map<QString, Clock::time_point> m_started;
    std::map<QString, Clock::time_point> m_returned;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    QDir(dir.path()).mkpath(QStringLiteral("dags"));
    QString yaml = QStringLiteral("schedule: none\nmax_active_runs: 1\ntasks:\n");
    for (int i = 0; i < kChainLength; ++i) {
        yaml += QStringLiteral("  - {id: t%1, operator: stamp%2}\n")
                    .arg(i)
                    .arg(i == 0 ? QString() : QStringLiteral(", upstream: [t%1]").arg(i - 1));
    }
    QFile file(dir.filePath(QStringLiteral("dags/chain.yaml")));
    if (!file.open(QIODevice::WriteOnly))
        return 1;
    file.write(yaml.toUtf8());
    file.close();

    auto store = Store::openMillrace(dir.filePath(QStringLiteral("millrace.db")));
    if (!store) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorMessage()));
        return 1;
    }
    StampOperator stamp;
    OperatorCatalog catalog;
    catalog.add(QStringLiteral("stamp"), &stamp, QStringLiteral("bench"));
    SchedulerOptions options;
    options.workspaceRoot = dir.path();
    options.dagsDir = dir.filePath(QStringLiteral("dags"));
    options.logsDir = dir.filePath(QStringLiteral("logs"));
    auto *service = new SchedulerService(**store, catalog, options);
    ServiceThread thread(service, QStringLiteral("scheduler"));

    QString finishedRun;
    QEventLoop loop;
    QObject::connect(service, &SchedulerService::runChanged, &loop, [&](const DagRunRecord &run) {
        if (isFinished(run.state)) {
            finishedRun = run.runId;
            if (run.state != RunState::Success)
                std::fprintf(stderr, "run %s ended %s\n", qPrintable(run.runId),
                             qPrintable(toString(run.state)));
            loop.quit();
        }
    });
    thread.start();
    QElapsedTimer waited;
    waited.start();
    while (!service->isStarted() && waited.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);

    std::vector<double> chainSeconds;
    std::vector<double> waits;
    for (int round = 0; round < kRounds; ++round) {
        const QString runId = QStringLiteral("bench%1").arg(round);
        finishedRun.clear();
        QElapsedTimer clock;
        clock.start();
        const Clock::time_point triggered = Clock::now();
        service->trigger(QStringLiteral("chain"), {}, runId);
        QTimer::singleShot(30000, &loop, &QEventLoop::quit);
        while (finishedRun != runId && clock.elapsed() < 30000)
            loop.exec();
        if (finishedRun != runId) {
            std::fprintf(stderr, "the chain did not finish within 30 s\n");
            return 1;
        }
        // The run's end is reported by a signal coalesced over 50 ms; the chain is done when
        // its last task returns.
        const auto last = stamp.returned(runId, QStringLiteral("t%1").arg(kChainLength - 1));
        if (!last)
            return 1;
        const double seconds = std::chrono::duration<double>(*last - triggered).count();
        chainSeconds.push_back(seconds);
        const std::vector<double> roundWaits = stamp.waits(runId);
        waits.insert(waits.end(), roundWaits.begin(), roundWaits.end());
        std::printf(
            "round %d: %d-task chain in %.3f s (trigger to the last task's return), median wait "
            "%.3f ms\n",
            round + 1, kChainLength, seconds, percentile(roundWaits, 0.5));
    }
    thread.stop();

    // The first round warms the executor's threads and SQLite's pages.
    chainSeconds.erase(chainSeconds.begin());
    report("scheduler_chain100_median", percentile(chainSeconds, 0.5), "s");
    report("scheduler_chain100_worst", *std::max_element(chainSeconds.begin(), chainSeconds.end()),
           "s");
    report("scheduler_dependent_start_p50", percentile(waits, 0.5), "ms");
    report("scheduler_dependent_start_p99", percentile(waits, 0.99), "ms");
    return 0;
}

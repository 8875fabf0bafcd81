// How long the GUI thread stalls while 1,000 DAG files load and schedule, through the real window:
// the main window on the Jobs panel, the scheduler running on its own thread as the session starts
// it in the app, and 1,000 DAG files of no-op tasks moved into the workspace's dags/ folder at
// once. Their schedules vary (@every, @hourly, @daily, @weekly, cron in UTC and in Berlin time), a
// fifth of them catch up on several intervals, and all are unpaused with start dates in the past,
// so every DAG has a run due at once. While they load and run, a user clicks through the DAG list
// every 300 ms, and, as in the app, the log dock shows the services' notes (the scheduler notes
// every run it creates and ends). A 10 ms timer on the GUI thread measures how late each tick
// comes; a stall is that lateness. Reports the time until the DAG list shows every DAG, until
// every DAG has a run and until every DAG has a finished run (read from the database on a thread
// of the bench's own), and the p50, p99 and worst stall over that whole window and while idle
// before it (goal: p99 < 50 ms); then, as comments, the worst stalls with when they came and how
// much of them the GUI thread spent on the CPU. No tracking server, no streams service. Runs under
// the offscreen platform.
// Usage: bench_scheduler_gui [DAGS]  (default 1,000)

#include "core/base/logbus.h"
#include "core/plugins/pluginmanager.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/store.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "guistall.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/jobs/daglistmodel.h"
#include "ui/panels/jobs/jobspanel.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QStackedWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>
#include <vector>

using namespace millrace;
using guistall::child;
using guistall::measureStalls;
using guistall::percentile;
using guistall::report;
using Clock = std::chrono::steady_clock;

namespace {

/// The Jobs panel's place in the sidebar.
constexpr int kJobsPanel = 1;
/// How often the user clicks another DAG in the list while the DAGs load and run.
constexpr int kClickEveryMs = 300;
/// How long the bench waits for every DAG's first run before it gives up.
constexpr int kTimeoutMs = 10 * 60 * 1000;

/// One DAG's schedule and how far back it starts.
struct Schedule
{
    const char *schedule;
    const char *timezone;
    bool catchup;
    qint64 startSecondsAgo;
    int maxActiveRuns;
};

// Ten kinds, one per DAG in turn. Without catchup, only the latest interval runs, so a start a
// month back only makes sure one has ended; with catchup, the start decides how many run.
const Schedule kSchedules[] = {
    {"@every 1m", "UTC", false, 30 * 86400, 1},
    {"@hourly", "UTC", false, 30 * 86400, 1},
    {"*/15 * * * *", "UTC", false, 30 * 86400, 1},
    {"@daily", "UTC", false, 30 * 86400, 1},
    {"@every 5m", "UTC", false, 30 * 86400, 1},
    {"30 6 * * 1-5", "Europe/Berlin", false, 30 * 86400, 1},
    {"@weekly", "UTC", false, 30 * 86400, 1},
    {"@every 90s", "UTC", false, 30 * 86400, 1},
    {"@every 10m", "UTC", true, 35 * 60, 1},     // three intervals, one run at a time
    {"@hourly", "UTC", true, 3 * 3600 + 600, 2}, // three intervals, two runs at a time
};

QString dagId(int index)
{
    return QStringLiteral("bench_%1").arg(index, 4, 10, QLatin1Char('0'));
}

/// The tasks of DAG `index`: one to five no-ops, as a chain or fanning out and back in.
QList<std::pair<QString, QStringList>> tasksOf(int index)
{
    const QString extract = QStringLiteral("extract");
    switch (index % 5) {
    case 0:
        return {{extract, {}}};
    case 1:
        return {{extract, {}}, {QStringLiteral("load"), {extract}}};
    case 2:
        return {{extract, {}},
                {QStringLiteral("transform"), {extract}},
                {QStringLiteral("load"), {QStringLiteral("transform")}}};
    default: {
        QList<std::pair<QString, QStringList>> tasks{{extract, {}}};
        QStringList branches;
        for (int branch = 0; branch < index % 5 - 1; ++branch) {
            branches.append(QStringLiteral("part_%1").arg(branch));
            tasks.append({branches.last(), {extract}});
        }
        tasks.append({QStringLiteral("load"), branches});
        return tasks;
    }
    }
}

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

/// DAG `index` as YAML.
QByteArray yamlDag(int index, const Schedule &schedule, const QDateTime &now)
{
    QString text =
        QStringLiteral("# A DAG of bench_scheduler_gui\n"
                       "description: Bench DAG %1 (%2)\n"
                       "tags: [bench, group_%3]\n"
                       "schedule: \"%2\"\n"
                       "timezone: %4\n"
                       "start_date: %5\n"
                       "catchup: %6\n"
                       "max_active_runs: %7\n"
                       "paused_on_creation: false\n"
                       "tasks:\n")
            .arg(index)
            .arg(QLatin1String(schedule.schedule))
            .arg(index % 10)
            .arg(QLatin1String(schedule.timezone), isoUtc(now.addSecs(-schedule.startSecondsAgo)),
                 QLatin1String(schedule.catchup ? "true" : "false"))
            .arg(schedule.maxActiveRuns);
    for (const auto &[id, upstream] : tasksOf(index)) {
        text += QStringLiteral("  - {id: %1, operator: noop%2}\n")
                    .arg(id, upstream.isEmpty()
                                 ? QString()
                                 : QStringLiteral(", upstream: [%1]").arg(upstream.join(u", ")));
    }
    return text.toUtf8();
}

/// DAG `index` as JSON.
QByteArray jsonDag(int index, const Schedule &schedule, const QDateTime &now)
{
    QStringList tasks;
    for (const auto &[id, upstream] : tasksOf(index)) {
        QStringList quoted;
        for (const QString &up : upstream)
            quoted.append(QLatin1Char('"') + up + QLatin1Char('"'));
        tasks.append(QStringLiteral("{\"id\": \"%1\", \"operator\": \"noop\", \"upstream\": [%2]}")
                         .arg(id, quoted.join(u", ")));
    }
    return QStringLiteral("{\"description\": \"Bench DAG %1 (%2)\", \"tags\": [\"bench\", "
                          "\"group_%3\"], \"schedule\": \"%2\", \"timezone\": \"%4\", "
                          "\"start_date\": \"%5\", \"catchup\": %6, \"max_active_runs\": %7, "
                          "\"tasks\": [%8]}\n")
        .arg(index)
        .arg(QLatin1String(schedule.schedule))
        .arg(index % 10)
        .arg(QLatin1String(schedule.timezone), isoUtc(now.addSecs(-schedule.startSecondsAgo)),
             QLatin1String(schedule.catchup ? "true" : "false"))
        .arg(schedule.maxActiveRuns)
        .arg(tasks.join(u", "))
        .toUtf8();
}

/// Writes `count` DAG files into `folder` (one in seven as JSON); returns their names.
QStringList writeDags(const QString &folder, int count)
{
    QDir().mkpath(folder);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList names;
    for (int index = 0; index < count; ++index) {
        const Schedule &schedule = kSchedules[index % std::size(kSchedules)];
        const bool json = index % 7 == 3;
        const QString name =
            dagId(index) + (json ? QStringLiteral(".json") : QStringLiteral(".yaml"));
        QFile file(QDir(folder).filePath(name));
        if (!file.open(QIODevice::WriteOnly)
            || file.write(json ? jsonDag(index, schedule, now) : yamlDag(index, schedule, now)) < 0)
            qFatal("cannot write %s", qPrintable(file.fileName()));
        names.append(name);
    }
    return names;
}

/// What the database says about the DAGs' runs so far.
struct RunCounts
{
    int dagsWithRun = 0;
    int dagsWithFinishedRun = 0;
    int runs = 0;
    int failedRuns = 0;
};

RunCounts countRuns(const Store &store)
{
    auto counts = store.read([](SQLite::Database &db) {
        SQLite::Statement query(
            db, "SELECT count(DISTINCT dag_id), count(DISTINCT CASE WHEN state IN ('success', "
                "'failed') THEN dag_id END), count(*), count(CASE WHEN state = 'failed' THEN 1 "
                "END) FROM dag_runs");
        query.executeStep();
        return RunCounts{query.getColumn(0).getInt(), query.getColumn(1).getInt(),
                         query.getColumn(2).getInt(), query.getColumn(3).getInt()};
    });
    if (!counts)
        qFatal("%s", qPrintable(counts.errorMessage()));
    return *counts;
}

/// Watches the database from a thread of its own (never the GUI thread's business), noting when
/// every DAG first had a run and a finished run, in ms since `start`.
class RunWatcher
{
public:
    RunWatcher(const Store &store, int dags, Clock::time_point start)
        : m_thread([this, &store, dags, start] { watch(store, dags, start); })
    {
    }
    ~RunWatcher() { stop(); }

    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    double createdMs() const { return m_createdMs; }
    double finishedMs() const { return m_finishedMs; }
    bool allFinished() const { return m_finishedMs >= 0; }
    RunCounts last() const { return RunCounts{m_dagsWithRun, m_dagsWithFinishedRun, m_runs, 0}; }

private:
    void watch(const Store &store, int dags, Clock::time_point start)
    {
        while (!m_stop && !allFinished()) {
            const RunCounts counts = countRuns(store);
            const double ms =
                std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            m_dagsWithRun = counts.dagsWithRun;
            m_dagsWithFinishedRun = counts.dagsWithFinishedRun;
            m_runs = counts.runs;
            if (m_createdMs < 0 && counts.dagsWithRun >= dags)
                m_createdMs = ms;
            if (counts.dagsWithFinishedRun >= dags)
                m_finishedMs = ms;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
    }

    std::atomic<bool> m_stop{false};
    std::atomic<double> m_createdMs{-1};
    std::atomic<double> m_finishedMs{-1};
    std::atomic<int> m_dagsWithRun{0};
    std::atomic<int> m_dagsWithFinishedRun{0};
    std::atomic<int> m_runs{0};
    std::thread m_thread;
};

/// Clicks the DAG in row `row` of the list, scrolling to it first, as a user would.
void clickDag(QTableView &view, int row)
{
    const QModelIndex index = view.model()->index(row, ui::DagListModel::DagColumn);
    view.scrollTo(index);
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.visualRect(index).center());
}

/// CPU time the calling thread has used, in ms.
double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e3 + double(now.tv_nsec) / 1e6;
}

/// Says when the five worst stalls came, in seconds since the measurement began (each tick comes
/// kTickMs plus its stall after the one before), and how much of each tick's time the GUI thread
/// spent on the CPU: a stall it spent mostly off the CPU was the machine's, not the window's.
void printWorstStalls(const std::vector<double> &stalls, const std::vector<double> &cpu)
{
    struct Tick
    {
        double stall, at, cpu;
    };
    std::vector<Tick> ticks;
    double at = 0;
    for (std::size_t i = 0; i < stalls.size(); ++i) {
        at += guistall::kTickMs + stalls[i];
        ticks.push_back(Tick{stalls[i], at / 1000, i < cpu.size() ? cpu[i] : 0});
    }
    const auto worst = ticks.begin() + std::min<std::ptrdiff_t>(5, std::ssize(ticks));
    std::partial_sort(ticks.begin(), worst, ticks.end(),
                      [](const Tick &a, const Tick &b) { return a.stall > b.stall; });
    QStringList text;
    for (auto tick = ticks.begin(); tick != worst; ++tick)
        text.append(QStringLiteral("%1 ms at %2 s (%3 ms on the CPU)")
                        .arg(tick->stall, 0, 'f', 1)
                        .arg(tick->at, 0, 'f', 2)
                        .arg(tick->cpu, 0, 'f', 1));
    std::printf("# worst stalls: %s\n", qPrintable(text.join(QStringLiteral(", "))));
}

// What the log bus passes on: warnings and errors to stderr, not the app's notes (the bus still
// gets every message for the log dock).
void warningsOnly(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type != QtDebugMsg && type != QtInfoMsg)
        std::fprintf(stderr, "%s: %s\n", context.category, qPrintable(message));
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // The app's logging: info and up reach the log dock (through the bus), debug does not.
    QLoggingCategory::setFilterRules(
        QStringLiteral("default.warning=false\nmillrace.*.debug=false"));
    qInstallMessageHandler(warningsOnly);
    LogBus logBus;
    const int dags = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 1000;
    if (dags < 1)
        qFatal("usage: bench_scheduler_gui [DAGS]");

    QTemporaryDir dir;
    SessionOptions options;
    options.trackingServer = false;
    options.streams = false; // no Kafka: the scheduler's and the panel's work alone
    options.pluginDirs = PluginManager::defaultSearchPaths();
    auto opened = Session::open(dir.filePath(QStringLiteral("workspace")), options);
    if (!opened)
        qFatal("%s", qPrintable(opened.errorMessage()));
    Session &session = **opened;
    session.startServices();
    if (!session.scheduler())
        qFatal("no scheduler");

    ui::MainWindow window(&logBus);
    window.resize(1200, 780);
    window.show();
    window.attachSession(session);
    window.showPanel(kJobsPanel);
    auto *panel =
        qobject_cast<ui::JobsPanel *>(child<QStackedWidget>(window, "panelStack")->currentWidget());
    if (!panel)
        qFatal("the Jobs panel is not shown");
    auto *list = child<QTableView>(*panel, "dagList");
    const QAbstractItemModel *model = list->model();

    // The files are written beside the workspace first and moved in at once, as a user copying a
    // folder of DAGs would; the scheduler's watcher sees them arrive.
    const QString staging = dir.filePath(QStringLiteral("staging"));
    const QString dagsDir = session.workspace().dagsDir();
    const QStringList names = writeDags(staging, dags);

    QElapsedTimer waited;
    waited.start();
    while (!session.scheduler()->isStarted() && waited.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (!session.scheduler()->isStarted())
        qFatal("the scheduler did not start");

    QElapsedTimer idle;
    idle.start();
    const std::vector<double> idleStalls = measureStalls([&] { return idle.elapsed() > 3000; });

    const Clock::time_point start = Clock::now();
    QElapsedTimer clock;
    clock.start();
    std::thread drop([&] {
        for (const QString &name : names)
            std::filesystem::rename(QDir(staging).filePath(name).toStdString(),
                                    QDir(dagsDir).filePath(name).toStdString());
    });
    RunWatcher watcher(session.workspace().store(), dags, start);

    double loadedMs = -1;
    qint64 nextClick = kClickEveryMs;
    int clicks = 0;
    std::vector<double> tickCpu; // the GUI thread's CPU time over each tick
    double cpuBefore = threadCpuMs();
    const std::vector<double> stalls = measureStalls([&] {
        const double cpuNow = threadCpuMs();
        tickCpu.push_back(cpuNow - cpuBefore);
        cpuBefore = cpuNow;
        const qint64 elapsed = clock.elapsed();
        if (loadedMs < 0 && model->rowCount() >= dags)
            loadedMs = elapsed;
        if (elapsed >= nextClick && model->rowCount() > 0) {
            // Here and there in the list, as far as it goes by now.
            clickDag(*list, int((qint64(clicks) * 7919) % model->rowCount()));
            ++clicks;
            nextClick = elapsed + kClickEveryMs;
        }
        if (elapsed > kTimeoutMs) {
            const RunCounts counts = watcher.last();
            qFatal("after %d s: %d of %d DAGs listed, %d with a run, %d with a finished run",
                   kTimeoutMs / 1000, model->rowCount(), dags, counts.dagsWithRun,
                   counts.dagsWithFinishedRun);
        }
        return loadedMs >= 0 && watcher.allFinished();
    });
    const double windowSeconds = clock.elapsed() / 1000.0;
    watcher.stop();
    drop.join();

    // Checked after the measurement, so its read does not count: every DAG ran, none failed.
    const RunCounts counts = countRuns(session.workspace().store());
    if (counts.dagsWithFinishedRun < dags || counts.failedRuns > 0)
        qFatal("%d of %d DAGs finished a run, %d runs failed", counts.dagsWithFinishedRun, dags,
               counts.failedRuns);

    report("scheduler_gui_dags_loaded_ms", loadedMs, "ms");
    report("scheduler_gui_first_runs_created_ms", watcher.createdMs(), "ms");
    report("scheduler_gui_first_runs_done_ms", watcher.finishedMs(), "ms");
    report("scheduler_gui_idle_stall_p50_ms", percentile(idleStalls, 0.5), "ms");
    report("scheduler_gui_idle_stall_p99_ms", percentile(idleStalls, 0.99), "ms");
    report("scheduler_gui_stall_p50_ms", percentile(stalls, 0.5), "ms");
    report("scheduler_gui_stall_p99_ms", percentile(stalls, 0.99), "ms");
    report("scheduler_gui_stall_worst_ms", percentile(stalls, 1.0), "ms");
    double cpuMs = 0;
    for (double ms : tickCpu)
        cpuMs += ms;
    std::printf("# %d DAGs, %zu ticks over %.1f s (the GUI thread on the CPU %.0f%% of it), %d "
                "clicks in the DAG list; %d runs by the end\n",
                dags, stalls.size(), windowSeconds, cpuMs / 10 / windowSeconds, clicks,
                counts.runs);
    printWorstStalls(stalls, tickCpu);
    window.detachSession();
    return 0;
}

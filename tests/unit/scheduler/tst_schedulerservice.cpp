#include "core/scheduler/builtinoperators.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/pools.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/store/appstate.h"
#include "core/store/schema.h"
#include "core/store/store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QPluginLoader>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <functional>
#include <limits>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// An operator a test scripts through its params: fail the first N tries, sleep, skip, return a
// value, or echo what it was given. It counts how many of its tries run at once.
class ScriptOperator : public plugins::TaskOperator
{
public:
    std::atomic<int> running{0};
    std::atomic<int> mostAtOnce{0};

    QJsonObject parameterSchema() const override
    {
        const auto type = [](const char *name) {
            return QJsonObject{{u"type"_s, QString::fromLatin1(name)}};
        };
        return QJsonObject{{u"type"_s, u"object"_s},
                           {u"properties"_s, QJsonObject{{u"result"_s, QJsonObject()},
                                                         {u"fail_times"_s, type("integer")},
                                                         {u"sleep_ms"_s, type("integer")},
                                                         {u"skip"_s, type("boolean")},
                                                         {u"echo_upstream"_s, type("string")},
                                                         {u"echo_params"_s, type("boolean")},
                                                         {u"value"_s, QJsonObject()}}},
                           {u"additionalProperties"_s, false}};
    }

    plugins::TaskOutcome run(plugins::TaskContext &context) override
    {
        const int now = ++running;
        int most = mostAtOnce.load();
        while (now > most && !mostAtOnce.compare_exchange_weak(most, now)) {
        }
        const QJsonObject params = context.params();
        context.log(u"script try %1"_s.arg(context.tryNumber()));
        plugins::TaskOutcome outcome;
        const int sleepMs = params.value(u"sleep_ms"_s).toInt();
        for (int slept = 0; slept < sleepMs && !context.isCancelled(); slept += 5)
            QThread::msleep(5);
        if (context.isCancelled())
            outcome = plugins::TaskOutcome{false, QJsonValue(), u"cancelled"_s, false};
        else if (context.tryNumber() <= params.value(u"fail_times"_s).toInt())
            outcome = plugins::TaskOutcome{false, QJsonValue(),
                                           u"planned failure %1"_s.arg(context.tryNumber()), false};
        else if (params.value(u"skip"_s).toBool())
            outcome = plugins::TaskOutcome{true, QJsonValue(), u"nothing to do"_s, true};
        else if (params.contains(u"echo_upstream"_s))
            outcome.result = context.upstreamResult(params.value(u"echo_upstream"_s).toString());
        else if (params.value(u"echo_params"_s).toBool())
            outcome.result = params;
        else
            outcome.result = params.value(u"result"_s);
        --running;
        return outcome;
    }
};

} // namespace

/// The scheduler loop against a real workspace database and DAG files in a temporary folder:
/// runs, trigger rules, XCom, retries, timeouts, pools, pausing, manual actions, and picking up
/// after a crash.
class TestSchedulerService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void stopsWithoutHavingStarted();

    void resultsFlowDownstream();
    void triggerRulesDecideAfterAFailure();
    void skipsSpreadByRule();
    void retriesWaitWithBackoff();
    void timeoutKillsAShellTask();
    void poolsCapConcurrency();
    void shrinkingAPoolLetsRunningTasksFinish();
    void poolCreatedWhileRunningIsUsed();
    void deletingAPoolInUseIsRefused();
    void badPoolsChangeNothing_data();
    void badPoolsChangeNothing();
    void catchupCreatesEveryMissedInterval();
    void withoutCatchupOnlyTheLatestInterval();
    void pauseStopsNewRuns();
    void maxActiveRunsQueuesRuns();
    void clearRunsATaskAgain();
    void markSuccessLetsDownstreamRun();
    void interruptedTriesFollowTheirPolicy();
    void topicEventStartsARun();
    void templateErrorFailsTheTry();

private:
    void writeDag(const QString &name, const QString &yaml);
    void startService(EventSources events = {});
    std::optional<DagRunRecord> runOf(const QString &dagId, const QString &runId = QString());
    QList<DagRunRecord> runsOf(const QString &dagId);
    QHash<QString, TaskInstanceRecord> tasksOf(qint64 runRow);
    qint64 triggerAndWait(const QString &dagId, const QJsonObject &conf = {});
    bool runEnded(qint64 row);
    QMap<QString, int> storedPools();
    QString failedAction(const std::function<void()> &action);
    void setPoolAndWait(const QString &name, qint64 slots);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
    OperatorCatalog *m_catalog = nullptr;
    ScriptOperator *m_script = nullptr;
    NoopOperator m_noop;
    std::unique_ptr<QPluginLoader> m_shell;
    SchedulerService *m_service = nullptr;
};

void TestSchedulerService::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QDir(m_dir->path()).mkpath(u"dags"_s);
    auto store = Store::openMillrace(m_dir->filePath(u"millrace.db"_s));
    QVERIFY2(store, qPrintable(store.errorMessage()));
    m_store = std::move(store).value();
    m_catalog = new OperatorCatalog;
    m_script = new ScriptOperator;
    m_catalog->add(u"script"_s, m_script, u"test"_s);
    m_catalog->add(u"noop"_s, &m_noop, u"built-in"_s);
    m_shell = std::make_unique<QPluginLoader>(QStringLiteral(MILLRACE_SHELL_PLUGIN));
    auto *shell = qobject_cast<plugins::TaskOperator *>(m_shell->instance());
    QVERIFY2(shell, qPrintable(m_shell->errorString()));
    m_catalog->add(u"shell"_s, shell, u"plugin"_s);
}

void TestSchedulerService::cleanup()
{
    if (m_service) {
        m_service->stop();
        delete m_service;
        m_service = nullptr;
    }
    m_store.reset();
    delete m_catalog;
    delete m_script;
    m_catalog = nullptr;
    m_script = nullptr;
    m_dir.reset();
}

void TestSchedulerService::writeDag(const QString &name, const QString &yaml)
{
    QFile file(m_dir->filePath(u"dags/"_s + name + u".yaml"_s));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(yaml.toUtf8());
}

// A session whose start failed half-way stops services that never started.
void TestSchedulerService::stopsWithoutHavingStarted()
{
    SchedulerOptions options;
    options.dagsDir = m_dir->filePath(u"dags"_s);
    SchedulerService service(*m_store, *m_catalog, options);
    service.stop();
    QVERIFY(!service.isStarted());
}

void TestSchedulerService::startService(EventSources events)
{
    SchedulerOptions options;
    options.workspaceRoot = m_dir->path();
    options.dagsDir = m_dir->filePath(u"dags"_s);
    options.logsDir = m_dir->filePath(u"logs"_s);
    options.tick = std::chrono::milliseconds(50);
    options.eventPoll = std::chrono::milliseconds(30);
    options.cancelGrace = std::chrono::milliseconds(2000);
    options.watchDagFiles = false;
    m_service = new SchedulerService(*m_store, *m_catalog, options, std::move(events));
    m_service->start();
    QVERIFY(m_service->isStarted());
}

std::optional<DagRunRecord> TestSchedulerService::runOf(const QString &dagId, const QString &runId)
{
    auto runs = runsOf(dagId);
    for (const DagRunRecord &run : runs) {
        if (runId.isEmpty() || run.runId == runId)
            return run;
    }
    return std::nullopt;
}

QList<DagRunRecord> TestSchedulerService::runsOf(const QString &dagId)
{
    auto runs =
        m_store->read([&](SQLite::Database &db) { return schedulerdb::runs(db, dagId, 1000); });
    return runs ? *runs : QList<DagRunRecord>();
}

QHash<QString, TaskInstanceRecord> TestSchedulerService::tasksOf(qint64 runRow)
{
    auto tasks =
        m_store->read([&](SQLite::Database &db) { return schedulerdb::taskInstances(db, runRow); });
    QHash<QString, TaskInstanceRecord> byId;
    if (tasks) {
        for (const TaskInstanceRecord &task : *tasks)
            byId.insert(task.taskId, task);
    }
    return byId;
}

bool TestSchedulerService::runEnded(qint64 row)
{
    auto run = m_store->read([&](SQLite::Database &db) { return schedulerdb::run(db, row); });
    return run && *run && isFinished((*run)->state);
}

qint64 TestSchedulerService::triggerAndWait(const QString &dagId, const QJsonObject &conf)
{
    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(dagId, conf);
    if (!triggered.wait(2000))
        return 0;
    const qint64 row = triggered.first().at(2).toLongLong();
    for (int i = 0; i < 400 && !runEnded(row); ++i)
        QTest::qWait(10);
    return row;
}

QMap<QString, int> TestSchedulerService::storedPools()
{
    auto pools = m_store->read([](SQLite::Database &db) { return schedulerdb::pools(db); });
    QMap<QString, int> slots;
    if (pools) {
        for (const PoolRecord &pool : *pools)
            slots.insert(pool.name, pool.slots);
    }
    return slots;
}

// Runs `action` and returns the message of the actionFailed() it causes ("" when none came).
QString TestSchedulerService::failedAction(const std::function<void()> &action)
{
    QSignalSpy failed(m_service, &SchedulerService::actionFailed);
    action();
    if (!failed.wait(2000))
        return QString();
    return failed.first().at(0).toString();
}

// Sets a pool through the service and waits until the database has it.
void TestSchedulerService::setPoolAndWait(const QString &name, qint64 slots)
{
    QSignalSpy changed(m_service, &SchedulerService::poolsChanged);
    m_service->setPool(name, slots);
    QVERIFY(changed.wait(2000));
    QTRY_COMPARE_WITH_TIMEOUT(storedPools().value(name, -1), int(slots), 2000);
}

void TestSchedulerService::resultsFlowDownstream()
{
    writeDag(u"xcom"_s, uR"(
schedule: none
tasks:
  - id: produce
    operator: script
    params: {result: {n: 41, name: "stream"}}
  - id: pull
    operator: script
    upstream: [produce]
    params: {echo_upstream: produce}
  - id: render
    operator: script
    upstream: [produce]
    params: {echo_params: true, value: "{{ xcom.produce.n }}", result: "{{ conf.label }}-{{ xcom.produce.name }}"}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"xcom"_s, QJsonObject{{u"label"_s, u"v1"_s}});
    QVERIFY(row > 0);
    QCOMPARE(runOf(u"xcom"_s)->state == RunState::Success, true);
    auto results =
        m_store->read([&](SQLite::Database &db) { return schedulerdb::results(db, row); });
    QVERIFY(results);
    QCOMPARE(results->value(u"pull"_s).toObject().value(u"n"_s).toInt(), 41);
    const QJsonObject rendered = results->value(u"render"_s).toObject();
    // A whole-string template keeps the value's type; an embedded one becomes text.
    QVERIFY(rendered.value(u"value"_s).isDouble());
    QCOMPARE(rendered.value(u"value"_s).toInt(), 41);
    QCOMPARE(rendered.value(u"result"_s).toString(), u"v1-stream"_s);
    // Each try has its log.
    const QString log = m_dir->filePath(
        u"logs/"_s + taskLogRelativePath(u"xcom"_s, runOf(u"xcom"_s)->runId, u"pull"_s, 1));
    QFile file(log);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(log));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("try 1 of 1: operator script"));
    QVERIFY(text.contains("script try 1"));
    QVERIFY(text.contains("succeeded"));
}

void TestSchedulerService::triggerRulesDecideAfterAFailure()
{
    writeDag(u"rules"_s, uR"(
schedule: none
tasks:
  - {id: breaks, operator: script, params: {fail_times: 5}}
  - {id: needs_success, operator: script, upstream: [breaks]}
  - {id: after_needs, operator: script, upstream: [needs_success]}
  - {id: on_failure, operator: script, upstream: [breaks], trigger_rule: one_failed}
  - {id: cleanup, operator: script, upstream: [breaks], trigger_rule: all_done}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"rules"_s);
    QVERIFY(runEnded(row));
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"breaks"_s].state == TaskState::Failed);
    QCOMPARE(tasks[u"breaks"_s].message, u"planned failure 1"_s);
    QVERIFY(tasks[u"needs_success"_s].state == TaskState::UpstreamFailed);
    QVERIFY(tasks[u"after_needs"_s].state == TaskState::UpstreamFailed);
    QVERIFY(tasks[u"on_failure"_s].state == TaskState::Success);
    QVERIFY(tasks[u"cleanup"_s].state == TaskState::Success);
    // A leaf ended upstream_failed, so the run failed.
    QVERIFY(runOf(u"rules"_s)->state == RunState::Failed);
}

void TestSchedulerService::skipsSpreadByRule()
{
    writeDag(u"skips"_s, uR"(
schedule: none
tasks:
  - {id: decide, operator: script, params: {skip: true}}
  - {id: strict, operator: script, upstream: [decide]}
  - {id: tolerant, operator: script, upstream: [decide], trigger_rule: none_failed}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"skips"_s);
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"decide"_s].state == TaskState::Skipped);
    QCOMPARE(tasks[u"decide"_s].message, u"nothing to do"_s);
    QVERIFY(tasks[u"strict"_s].state == TaskState::Skipped);
    QVERIFY(tasks[u"tolerant"_s].state == TaskState::Success);
    QVERIFY(runOf(u"skips"_s)->state == RunState::Success);
}

void TestSchedulerService::retriesWaitWithBackoff()
{
    writeDag(u"retry"_s, uR"(
schedule: none
default_args: {retries: 3, retry_delay: 100ms, retry_exponential_backoff: true, max_retry_delay: 10s}
tasks:
  - {id: flaky, operator: script, params: {fail_times: 2, result: done}}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"retry"_s);
    QVERIFY(runEnded(row));
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"flaky"_s].state == TaskState::Success);
    QCOMPARE(tasks[u"flaky"_s].tryNumber, 3);
    auto tries = m_store->read([&](SQLite::Database &db) { return schedulerdb::tries(db, row); });
    QVERIFY(tries);
    QCOMPARE(tries->size(), 3);
    QVERIFY(tries->at(0).state == TaskState::Failed);
    QVERIFY(tries->at(1).state == TaskState::Failed);
    QVERIFY(tries->at(2).state == TaskState::Success);
    // The policy's waits: 100 ms before try 2, doubled to 200 ms before try 3.
    QVERIFY(tries->at(0).endedAt.msecsTo(tries->at(1).startedAt) >= 100);
    QVERIFY(tries->at(1).endedAt.msecsTo(tries->at(2).startedAt) >= 200);
    // Every try kept its own log.
    for (int attempt = 1; attempt <= 3; ++attempt)
        QVERIFY(QFile::exists(m_dir->filePath(
            u"logs/"_s
            + taskLogRelativePath(u"retry"_s, runOf(u"retry"_s)->runId, u"flaky"_s, attempt))));
}

void TestSchedulerService::timeoutKillsAShellTask()
{
    writeDag(u"slow"_s, uR"(
schedule: none
tasks:
  - id: sleeper
    operator: shell
    execution_timeout: 300ms
    params: {command: "echo $$ > sleeper.pid; sleep 30 & echo $! >> sleeper.pid; wait"}
)"_s);
    startService();
    QElapsedTimer clock;
    clock.start();
    const qint64 row = triggerAndWait(u"slow"_s);
    QVERIFY(runEnded(row));
    QVERIFY2(clock.elapsed() < 20000, "the sleep was not killed");
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"sleeper"_s].state == TaskState::Failed);
    QVERIFY2(tasks[u"sleeper"_s].message.contains(u"timed out after 0.3 s"_s),
             qPrintable(tasks[u"sleeper"_s].message));
    QFile pids(m_dir->filePath(u"sleeper.pid"_s));
    QVERIFY(pids.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = pids.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &pid : lines) {
        // Neither the shell nor its sleep is left running.
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid.toInt(), 0) != 0 && errno == ESRCH, 5000);
    }
}

void TestSchedulerService::poolsCapConcurrency()
{
    m_store
        ->write([](SQLite::Database &db) {
            schedulerdb::savePool(db, PoolRecord{u"narrow"_s, 2, u"two at a time"_s});
        })
        .waitForFinished();
    writeDag(u"wide"_s, uR"(
schedule: none
default_args: {pool: narrow}
tasks:
  - {id: a, operator: script, params: {sleep_ms: 60}}
  - {id: b, operator: script, params: {sleep_ms: 60}}
  - {id: c, operator: script, params: {sleep_ms: 60}}
  - {id: d, operator: script, params: {sleep_ms: 60}}
  - {id: e, operator: script, params: {sleep_ms: 60}}
  - {id: big, operator: script, pool_slots: 3}
)"_s);
    startService();
    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(u"wide"_s, {});
    QVERIFY(triggered.wait(2000));
    const qint64 row = triggered.first().at(2).toLongLong();
    const auto fiveDone = [&] {
        const auto tasks = tasksOf(row);
        for (const QString &id : {u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s}) {
            if (tasks[id].state != TaskState::Success)
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(fiveDone(), 5000);
    QCOMPARE(m_script->mostAtOnce.load(), 2);
    // A task bigger than its pool waits for the pool to grow, saying so, rather than fail.
    QTRY_VERIFY_WITH_TIMEOUT(tasksOf(row)[u"big"_s].message.contains(u"needs 3 slots"_s), 2000);
    QTest::qWait(200);
    QVERIFY(tasksOf(row)[u"big"_s].state == TaskState::Scheduled);
    QVERIFY(!runEnded(row));

    // Growing the pool lets it start at once, without a restart.
    QSignalSpy changed(m_service, &SchedulerService::poolsChanged);
    m_service->setPool(u"narrow"_s, 3);
    QVERIFY(changed.wait(2000));
    const QList<PoolRecord> pools = changed.first().at(0).value<QList<PoolRecord>>();
    const auto narrow = std::find_if(pools.begin(), pools.end(),
                                     [](const PoolRecord &pool) { return pool.name == u"narrow"; });
    QVERIFY(narrow != pools.end());
    QCOMPARE(narrow->slots, 3);
    QCOMPARE(narrow->description, u"two at a time"_s); // kept when none is given
    QTRY_VERIFY_WITH_TIMEOUT(runEnded(row), 3000);
    QVERIFY(tasksOf(row)[u"big"_s].state == TaskState::Success);
    QVERIFY(runOf(u"wide"_s)->state == RunState::Success);
    QCOMPARE(storedPools().value(u"narrow"_s), 3);
}

void TestSchedulerService::shrinkingAPoolLetsRunningTasksFinish()
{
    m_store
        ->write([](SQLite::Database &db) {
            schedulerdb::savePool(db, PoolRecord{u"shrinking"_s, 3, QString()});
        })
        .waitForFinished();
    writeDag(u"six"_s, uR"(
schedule: none
default_args: {pool: shrinking}
tasks:
  - {id: t1, operator: script, params: {sleep_ms: 300}}
  - {id: t2, operator: script, params: {sleep_ms: 300}}
  - {id: t3, operator: script, params: {sleep_ms: 300}}
  - {id: t4, operator: script, params: {sleep_ms: 300}}
  - {id: t5, operator: script, params: {sleep_ms: 300}}
  - {id: t6, operator: script, params: {sleep_ms: 300}}
)"_s);
    startService();
    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(u"six"_s, {});
    QVERIFY(triggered.wait(2000));
    const qint64 row = triggered.first().at(2).toLongLong();
    QTRY_COMPARE_WITH_TIMEOUT(m_script->running.load(), 3, 2000);

    // Down to one slot while three run.
    QSignalSpy changed(m_service, &SchedulerService::poolsChanged);
    m_service->setPool(u"shrinking"_s, 1);
    QVERIFY(changed.wait(2000));
    QTRY_VERIFY_WITH_TIMEOUT(runEnded(row), 5000);

    QList<TaskInstanceRecord> tasks = tasksOf(row).values();
    QCOMPARE(tasks.size(), 6);
    std::sort(tasks.begin(), tasks.end(),
              [](const auto &a, const auto &b) { return a.startedAt < b.startedAt; });
    // Nothing was stopped: every task ran once and succeeded.
    for (const TaskInstanceRecord &task : tasks) {
        QVERIFY2(task.state == TaskState::Success, qPrintable(task.taskId + u" "_s + task.message));
        QCOMPARE(task.tryNumber, 1);
    }
    // The three that ran on; nothing new started until all three were done (usage 3, then 2,
    // then 1, is not under 1), then one at a time.
    QDateTime firstThreeEnded;
    for (int i = 0; i < 3; ++i)
        firstThreeEnded = std::max(firstThreeEnded, tasks[i].endedAt);
    QVERIFY(tasks[2].startedAt < tasks[0].endedAt);
    QVERIFY2(tasks[3].startedAt >= firstThreeEnded,
             qPrintable(tasks[3].startedAt.toString(Qt::ISODateWithMs) + u" before "_s
                        + firstThreeEnded.toString(Qt::ISODateWithMs)));
    QVERIFY(tasks[4].startedAt >= tasks[3].endedAt);
    QVERIFY(tasks[5].startedAt >= tasks[4].endedAt);
    QCOMPARE(storedPools().value(u"shrinking"_s), 1);
}

void TestSchedulerService::poolCreatedWhileRunningIsUsed()
{
    writeDag(u"later"_s, uR"(
schedule: none
tasks:
  - {id: only, operator: script, pool: late, params: {result: 7}}
)"_s);
    startService();
    // Before the pool exists, the task cannot run, and says why.
    const qint64 first = triggerAndWait(u"later"_s);
    QVERIFY(runEnded(first));
    QVERIFY(tasksOf(first)[u"only"_s].state == TaskState::Failed);
    QCOMPARE(tasksOf(first)[u"only"_s].message, u"there is no pool \"late\""_s);

    setPoolAndWait(u"late"_s, 1);
    const qint64 second = triggerAndWait(u"later"_s);
    QVERIFY(runEnded(second));
    QVERIFY2(tasksOf(second)[u"only"_s].state == TaskState::Success,
             qPrintable(tasksOf(second)[u"only"_s].message));
}

void TestSchedulerService::deletingAPoolInUseIsRefused()
{
    writeDag(u"busy"_s, uR"(
schedule: none
default_args: {pool: single}
tasks:
  - {id: a, operator: script, params: {sleep_ms: 400}}
  - {id: b, operator: script, params: {sleep_ms: 400}}
)"_s);
    startService();
    setPoolAndWait(u"single"_s, 1);
    QCOMPARE(failedAction([this] { m_service->deletePool(u"default_pool"_s); }),
             u"default_pool cannot be deleted (tasks that name no pool run in it); resize it "
             u"instead"_s);
    QCOMPARE(failedAction([this] { m_service->deletePool(u"nope"_s); }),
             u"there is no pool \"nope\""_s);

    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(u"busy"_s, {});
    QVERIFY(triggered.wait(2000));
    const qint64 row = triggered.first().at(2).toLongLong();
    QTRY_COMPARE_WITH_TIMEOUT(m_script->running.load(), 1, 2000);
    QCOMPARE(failedAction([this] { m_service->deletePool(u"single"_s); }),
             u"pool \"single\" is in use (1 task instance running, 1 task instance waiting for "
             u"a slot); delete it once they are done"_s);

    QTRY_VERIFY_WITH_TIMEOUT(runEnded(row), 5000);
    QVERIFY(runOf(u"busy"_s)->state == RunState::Success);
    QVERIFY(storedPools().contains(u"default_pool"_s));
    QVERIFY(storedPools().contains(u"single"_s));

    // Once nothing uses it, it goes.
    QSignalSpy changed(m_service, &SchedulerService::poolsChanged);
    m_service->deletePool(u"single"_s);
    QVERIFY(changed.wait(2000));
    for (const PoolRecord &pool : changed.first().at(0).value<QList<PoolRecord>>())
        QVERIFY(pool.name != u"single");
    QTRY_VERIFY_WITH_TIMEOUT(!storedPools().contains(u"single"_s), 2000);
}

void TestSchedulerService::badPoolsChangeNothing_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("slots");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty name") << QString() << qint64(1) << u"a pool needs a name"_s;
    QTest::newRow("too long") << QString(pools::kMaxNameLength + 1, u'p') << qint64(1)
                              << u"at most 256 characters"_s;
    QTest::newRow("space") << u"two words"_s << qint64(1)
                           << u"\"two words\" is not a valid pool name"_s;
    QTest::newRow("slash") << u"a/b"_s << qint64(1) << u"letters, digits and _.- only"_s;
    QTest::newRow("negative") << u"training"_s << qint64(-1)
                              << u"slots cannot be negative (-1 for \"training\")"_s;
    QTest::newRow("too many") << u"training"_s << qint64(1) + std::numeric_limits<int>::max()
                              << u"at most 2147483647 slots"_s;
}

void TestSchedulerService::badPoolsChangeNothing()
{
    QFETCH(QString, name);
    QFETCH(qint64, slots);
    QFETCH(QString, message);

    startService();
    const QMap<QString, int> before = storedPools();
    QCOMPARE(before, (QMap<QString, int>{{u"default_pool"_s, 16}, {u"training"_s, 1}}));
    const QString failed = failedAction([&] { m_service->setPool(name, slots); });
    QVERIFY2(failed.contains(message), qPrintable(failed));
    // A good change after it is written after anything the bad one might have written.
    setPoolAndWait(u"marker"_s, 1);
    QMap<QString, int> expected = before;
    expected.insert(u"marker"_s, 1);
    QCOMPARE(storedPools(), expected);
}

void TestSchedulerService::catchupCreatesEveryMissedInterval()
{
    // Whole seconds, as the DAG file below writes it.
    QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-5 * 3600 - 1800);
    start.setTime(QTime(start.time().hour(), start.time().minute(), start.time().second()));
    writeDag(u"hourly"_s, uR"(
schedule: "@every 1h"
start_date: %1
catchup: true
max_active_runs: 16
tasks:
  - {id: t, operator: noop}
)"_s.arg(start.toString(Qt::ISODate)));
    startService();
    QTRY_COMPARE_WITH_TIMEOUT(runsOf(u"hourly"_s).size(), 5, 3000);
    QTest::qWait(100);
    const auto runs = runsOf(u"hourly"_s);
    QCOMPARE(runs.size(), 5);
    // Newest first; consecutive intervals from the start date, each covered once.
    for (int i = 0; i < runs.size(); ++i) {
        const DagRunRecord &run = runs[runs.size() - 1 - i];
        QVERIFY(run.type == RunType::Scheduled);
        QVERIFY(run.interval);
        QCOMPARE(run.interval->start, start.addSecs(3600 * i));
        QCOMPARE(run.interval->end, start.addSecs(3600 * (i + 1)));
        QCOMPARE(run.logicalDate, run.interval->start);
    }
    // A restart does not create them again.
    m_service->stop();
    delete m_service;
    m_service = nullptr;
    startService();
    QTest::qWait(200);
    QCOMPARE(runsOf(u"hourly"_s).size(), 5);
}

void TestSchedulerService::withoutCatchupOnlyTheLatestInterval()
{
    // Whole seconds, as the DAG file below writes it.
    QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-5 * 3600 - 1800);
    start.setTime(QTime(start.time().hour(), start.time().minute(), start.time().second()));
    writeDag(u"latest"_s, uR"(
schedule: "@every 1h"
start_date: %1
catchup: false
max_active_runs: 16
tasks:
  - {id: t, operator: noop}
)"_s.arg(start.toString(Qt::ISODate)));
    startService();
    QTRY_COMPARE_WITH_TIMEOUT(runsOf(u"latest"_s).size(), 1, 3000);
    QTest::qWait(150);
    const auto runs = runsOf(u"latest"_s);
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].interval->start, start.addSecs(4 * 3600));
}

void TestSchedulerService::pauseStopsNewRuns()
{
    // With catchup off, an interval that has ended is due the moment the scheduler looks.
    writeDag(u"often"_s, uR"(
schedule: "@every 1s"
start_date: 2026-01-01
catchup: false
tasks:
  - {id: t, operator: noop}
)"_s);
    m_store
        ->write([](SQLite::Database &db) {
            appstate::set(db, SchedulerSwitch::stateKey(), u"paused"_s);
        })
        .waitForFinished();
    startService();
    QTest::qWait(400);
    QCOMPARE(runsOf(u"often"_s).size(), 0);
    QSignalSpy running(m_service, &SchedulerService::runningChanged);
    m_service->setRunning(true);
    QTRY_VERIFY_WITH_TIMEOUT(!runsOf(u"often"_s).isEmpty(), 3000);
    QCOMPARE(running.size(), 1);
    // Paused again, the count stops growing although a new interval ends every second.
    m_service->setRunning(false);
    QTest::qWait(100);
    const auto before = runsOf(u"often"_s).size();
    QTest::qWait(1200);
    QCOMPARE(runsOf(u"often"_s).size(), before);
    // A paused DAG stays paused while everything else runs, and its flag is kept.
    m_service->setDagPaused(u"often"_s, true);
    m_service->setRunning(true);
    QTest::qWait(400);
    QCOMPARE(runsOf(u"often"_s).size(), before);
    auto flags = m_store->read([](SQLite::Database &db) { return schedulerdb::pausedFlags(db); });
    QVERIFY(flags && flags->at(u"often"_s));
}

void TestSchedulerService::maxActiveRunsQueuesRuns()
{
    writeDag(u"single"_s, uR"(
schedule: none
max_active_runs: 1
tasks:
  - {id: t, operator: script, params: {sleep_ms: 200}}
)"_s);
    startService();
    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(u"single"_s, {});
    m_service->trigger(u"single"_s, {}, u"second"_s);
    QTRY_COMPARE(triggered.size(), 2);
    QTRY_VERIFY(runOf(u"single"_s, u"second"_s));
    QTest::qWait(50);
    QVERIFY(runOf(u"single"_s, u"second"_s)->state == RunState::Queued);
    QTRY_VERIFY_WITH_TIMEOUT(runOf(u"single"_s, u"second"_s)->state == RunState::Success, 3000);
    QCOMPARE(m_script->mostAtOnce.load(), 1);
    // A run id is used once per DAG.
    QSignalSpy failed(m_service, &SchedulerService::actionFailed);
    m_service->trigger(u"single"_s, {}, u"second"_s);
    QVERIFY(failed.wait(2000));
    QVERIFY(failed.first().first().toString().contains(u"already has a run"_s));
}

void TestSchedulerService::clearRunsATaskAgain()
{
    writeDag(u"clear"_s, uR"(
schedule: none
tasks:
  - {id: first, operator: script, params: {fail_times: 1, result: 7}}
  - {id: second, operator: script, upstream: [first], params: {echo_upstream: first}}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"clear"_s);
    QVERIFY(runOf(u"clear"_s)->state == RunState::Failed);
    QVERIFY(tasksOf(row)[u"second"_s].state == TaskState::UpstreamFailed);
    m_service->clearTask(row, u"first"_s, true);
    QTRY_VERIFY_WITH_TIMEOUT(runOf(u"clear"_s)->state == RunState::Success, 3000);
    const auto tasks = tasksOf(row);
    QCOMPARE(tasks[u"first"_s].tryNumber, 2);
    QVERIFY(tasks[u"second"_s].state == TaskState::Success);
    auto results =
        m_store->read([&](SQLite::Database &db) { return schedulerdb::results(db, row); });
    QCOMPARE(results->value(u"second"_s).toInt(), 7);
}

void TestSchedulerService::markSuccessLetsDownstreamRun()
{
    writeDag(u"mark"_s, uR"(
schedule: none
tasks:
  - {id: stuck, operator: script, params: {sleep_ms: 20000}}
  - {id: after, operator: script, upstream: [stuck], params: {result: ran}}
)"_s);
    startService();
    QSignalSpy triggered(m_service, &SchedulerService::triggered);
    m_service->trigger(u"mark"_s, {});
    QVERIFY(triggered.wait(2000));
    const qint64 row = triggered.first().at(2).toLongLong();
    QTRY_VERIFY(tasksOf(row)[u"stuck"_s].state == TaskState::Running);
    m_service->markTask(row, u"stuck"_s, TaskState::Success);
    QTRY_VERIFY_WITH_TIMEOUT(runEnded(row), 3000);
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"stuck"_s].state == TaskState::Success);
    QCOMPARE(tasks[u"stuck"_s].message, u"marked success by hand"_s);
    QVERIFY(tasks[u"after"_s].state == TaskState::Success);
    QVERIFY(runOf(u"mark"_s)->state == RunState::Success);
    // The try that was running was cancelled and stopped.
    QTRY_COMPARE(m_script->running.load(), 0);
}

void TestSchedulerService::interruptedTriesFollowTheirPolicy()
{
    writeDag(u"crashed"_s, uR"(
schedule: none
tasks:
  - {id: retried, operator: script, retries: 1, retry_delay: 0s, params: {result: again}}
  - {id: given_up, operator: script, params: {result: never}}
)"_s);
    // The state a killed process leaves: a running run whose two tasks were mid-try.
    const QDateTime then = QDateTime::currentDateTimeUtc().addSecs(-60);
    m_store
        ->write([then](SQLite::Database &db) {
            DagRunRecord run;
            run.row = 1;
            run.dagId = u"crashed"_s;
            run.runId = u"manual__before"_s;
            run.type = RunType::Manual;
            run.state = RunState::Running;
            run.logicalDate = then;
            run.queuedAt = then;
            run.startedAt = then;
            schedulerdb::insertRun(db, run);
            for (const auto &[id, tries] :
                 {std::pair{u"retried"_s, 2}, std::pair{u"given_up"_s, 1}}) {
                TaskInstanceRecord task;
                task.runRow = 1;
                task.taskId = id;
                task.state = TaskState::Running;
                task.tryNumber = 1;
                task.maxTries = tries;
                task.operatorId = u"script"_s;
                task.pool = u"default_pool"_s;
                task.startedAt = then;
                schedulerdb::saveTaskInstance(db, task);
            }
        })
        .waitForFinished();
    startService();
    QTRY_VERIFY_WITH_TIMEOUT(runEnded(1), 3000);
    const auto tasks = tasksOf(1);
    QVERIFY(tasks[u"retried"_s].state == TaskState::Success);
    QCOMPARE(tasks[u"retried"_s].tryNumber, 2);
    QVERIFY(tasks[u"given_up"_s].state == TaskState::Failed);
    QVERIFY2(tasks[u"given_up"_s].message.contains(u"interrupted"_s),
             qPrintable(tasks[u"given_up"_s].message));
    QVERIFY(runOf(u"crashed"_s)->state == RunState::Failed);
    // No second run was made for it.
    QCOMPARE(runsOf(u"crashed"_s).size(), 1);
}

void TestSchedulerService::topicEventStartsARun()
{
    writeDag(u"retrain"_s, uR"(
schedule: none
params: {epochs: 1}
triggers:
  - {topic: fashion-stream, messages: 100}
tasks:
  - {id: t, operator: noop}
)"_s);
    auto count = std::make_shared<std::atomic<qint64>>(1000);
    EventSources events;
    events.topicMessageCount = [count](const QString &topic) -> Result<qint64> {
        if (topic != u"fashion-stream"_s)
            return fail(u"unknown topic"_s);
        return count->load();
    };
    startService(events);
    // The first look only sets where counting starts: old messages start nothing.
    QTest::qWait(200);
    QCOMPARE(runsOf(u"retrain"_s).size(), 0);
    count->store(1099);
    QTest::qWait(200);
    QCOMPARE(runsOf(u"retrain"_s).size(), 0);
    count->store(1130);
    QTRY_COMPARE_WITH_TIMEOUT(runsOf(u"retrain"_s).size(), 1, 3000);
    const DagRunRecord run = *runOf(u"retrain"_s);
    QVERIFY(run.type == RunType::Event);
    QCOMPARE(run.note, u"fashion-stream received 130 new messages"_s);
    const QJsonObject trigger = run.conf.value(u"trigger"_s).toObject();
    QCOMPARE(trigger.value(u"from"_s).toInteger(), 1000);
    QCOMPARE(trigger.value(u"to"_s).toInteger(), 1130);
    QCOMPARE(run.conf.value(u"epochs"_s).toInt(), 1);
    QTest::qWait(200);
    QCOMPARE(runsOf(u"retrain"_s).size(), 1);
}

void TestSchedulerService::templateErrorFailsTheTry()
{
    writeDag(u"typo"_s, uR"(
schedule: none
tasks:
  - {id: t, operator: script, params: {result: "{{ conf.missing }}"}}
)"_s);
    startService();
    const qint64 row = triggerAndWait(u"typo"_s);
    const auto tasks = tasksOf(row);
    QVERIFY(tasks[u"t"_s].state == TaskState::Failed);
    QVERIFY2(tasks[u"t"_s].message.contains(u"conf.missing"_s), qPrintable(tasks[u"t"_s].message));
    QCOMPARE(m_script->mostAtOnce.load(), 0);
}

QTEST_GUILESS_MAIN(TestSchedulerService)
#include "tst_schedulerservice.moc"

#include "core/scheduler/schedulerservice.h"

#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/pools.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerlog.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/scheduler/taskattempt.h"
#include "core/scheduler/templating.h"
#include "core/scheduler/triggerrules.h"
#include "core/store/appstate.h"
#include "core/store/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileSystemWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <mutex>

namespace millrace::scheduler {

// Carries a finished try from an executor thread back to the scheduler's thread. stop() cuts
// the line before the service goes away, so a late operator never reaches a deleted object.
struct SchedulerService::Mailbox
{
    std::mutex mutex;
    SchedulerService *target = nullptr;

    template <typename Fn> void post(Fn fn)
    {
        std::lock_guard lock(mutex);
        if (target)
            QMetaObject::invokeMethod(target, std::move(fn), Qt::QueuedConnection);
    }
};

namespace {

using std::chrono::milliseconds;

// How long a request from another process stays worth applying.
constexpr qint64 kRequestLifetimeMs = 10 * 60 * 1000;

QDateTime nowUtc()
{
    return QDateTime::currentDateTimeUtc();
}

QString seconds(milliseconds duration)
{
    return QString::number(double(duration.count()) / 1000.0, 'g', 6) + QStringLiteral(" s");
}

} // namespace

SchedulerService::SchedulerService(Store &store, const OperatorCatalog &operators,
                                   SchedulerOptions options, EventSources events)
    : m_store(store), m_operators(operators), m_options(std::move(options)),
      m_events(std::move(events))
{
    m_executor.setMaxThreadCount(std::max(1, m_options.executorThreads));
    m_executor.setObjectName(QStringLiteral("millrace executor"));
}

SchedulerService::~SchedulerService()
{
    if (m_mailbox) {
        std::lock_guard lock(m_mailbox->mutex);
        m_mailbox->target = nullptr;
    }
}

void SchedulerService::start()
{
    m_mailbox = std::make_shared<Mailbox>();
    m_mailbox->target = this;

    auto singleShot = [this](int interval, void (SchedulerService::*slot)()) {
        auto *timer = new QTimer(this);
        timer->setSingleShot(true);
        timer->setInterval(interval);
        connect(timer, &QTimer::timeout, this, slot);
        return timer;
    };
    m_kickTimer = singleShot(0, &SchedulerService::loop);
    m_clock = singleShot(int(m_options.tick.count()), &SchedulerService::loop);
    m_dagsTimer = singleShot(100, &SchedulerService::emitDags);
    m_runsTimer = singleShot(50, &SchedulerService::emitRuns);
    m_reloadTimer = singleShot(200, &SchedulerService::onDagFilesChanged);
    m_eventTimer = new QTimer(this);
    m_eventTimer->setInterval(int(m_options.eventPoll.count()));
    connect(m_eventTimer, &QTimer::timeout, this, &SchedulerService::checkEvents);

    QDir().mkpath(m_options.dagsDir);
    m_dagBag = std::make_unique<DagBag>(m_options.dagsDir, m_operators);
    loadState();
    onDagFilesChanged();
    if (m_options.watchDagFiles) {
        m_watcher = new QFileSystemWatcher(this);
        m_watcher->addPath(m_options.dagsDir);
        connect(m_watcher, &QFileSystemWatcher::directoryChanged, this,
                [this] { m_reloadTimer->start(); });
        connect(m_watcher, &QFileSystemWatcher::fileChanged, this,
                [this] { m_reloadTimer->start(); });
    }
    m_eventTimer->start();
    m_started = true;
    qCInfo(lcScheduler).noquote() << "scheduler started with" << m_dagBag->dags().size() << "DAGs,"
                                  << m_runs.size() << "active runs, scheduled updates"
                                  << (m_running ? "running" : "paused");
    Q_EMIT runningChanged(m_running);
    emitPools();
    kick();
}

void SchedulerService::loadState()
{
    struct Loaded
    {
        bool running = true;
        bool demoSpeed = false;
        std::map<QString, bool> paused;
        QList<PoolRecord> pools;
        qint64 maxRow = 0;
        QList<DagRunRecord> active;
        QList<TaskInstanceRecord> tasks;
        QHash<qint64, QHash<QString, QJsonValue>> results;
    };
    auto loaded = m_store.read([](SQLite::Database &db) {
        Loaded state;
        state.running =
            appstate::get(db, SchedulerSwitch::stateKey()).value_or(QString()) != u"paused";
        state.demoSpeed = appstate::get(db, demoSpeedKey()).value_or(QString()) == u"on";
        state.paused = schedulerdb::pausedFlags(db);
        state.pools = schedulerdb::pools(db);
        state.maxRow = schedulerdb::maxRunRow(db);
        state.active = schedulerdb::activeRuns(db);
        QList<qint64> rows;
        for (const DagRunRecord &run : state.active) {
            rows.append(run.row);
            state.results.insert(run.row, schedulerdb::results(db, run.row));
        }
        state.tasks = schedulerdb::taskInstances(db, rows);
        return state;
    });
    if (!loaded) {
        qCCritical(lcScheduler).noquote()
            << "cannot read the scheduler's state:" << loaded.errorMessage();
        Q_EMIT failed(loaded.errorMessage());
        return;
    }
    m_running = loaded->running;
    m_demoSpeed = loaded->demoSpeed;
    m_paused = loaded->paused;
    for (const PoolRecord &pool : loaded->pools)
        m_pools[pool.name] = pool;
    m_nextRunRow = loaded->maxRow + 1;
    for (const DagRunRecord &record : loaded->active)
        addRun(record).results = loaded->results.value(record.row);
    for (const TaskInstanceRecord &task : loaded->tasks) {
        auto run = m_runs.find(task.runRow);
        if (run != m_runs.end())
            run->second.tasks[task.taskId] = task;
    }
    for (auto &[row, run] : m_runs)
        recoverInterrupted(run);
}

void SchedulerService::recoverInterrupted(ActiveRun &run)
{
    const QDateTime now = nowUtc();
    for (auto &[taskId, task] : run.tasks) {
        if (task.state == TaskState::Scheduled) {
            // Never started: it simply waits for its slot again.
            task.state = TaskState::None;
            saveTask(task);
            continue;
        }
        if (task.state != TaskState::Running)
            continue;
        // The process died during this try. It counts as a failed try, so the task's retry
        // policy decides, as for any other failure.
        const QString message =
            QStringLiteral("interrupted: Millrace stopped while try %1 ran").arg(task.tryNumber);
        TaskTryRecord attempt{run.record.row, taskId, task.tryNumber, TaskState::Failed,
                              task.startedAt, now,    message};
        write([attempt](SQLite::Database &db) { schedulerdb::saveTry(db, attempt); },
              QStringLiteral("the interrupted try"));
        const DagSpec *dag = m_dagBag ? m_dagBag->dag(run.record.dagId) : nullptr;
        const TaskSpec *spec = dag ? dag->task(taskId) : nullptr;
        task.endedAt = now;
        task.message = message;
        if (task.tryNumber < task.maxTries) {
            task.state = TaskState::UpForRetry;
            const milliseconds delay =
                spec ? spec->retry.delayBefore(task.tryNumber + 1) : milliseconds(0);
            task.nextTryAt = now.addMSecs(delay.count());
        } else {
            task.state = TaskState::Failed;
        }
        qCWarning(lcScheduler).noquote() << run.record.dagId << run.record.runId << taskId
                                         << message << "->" << toString(task.state);
        saveTask(task);
    }
}

void SchedulerService::stop()
{
    m_stopping = true;
    for (QTimer *timer :
         {m_kickTimer, m_clock, m_dagsTimer, m_runsTimer, m_reloadTimer, m_eventTimer}) {
        if (timer)
            timer->stop();
    }
    for (auto &[serial, attempt] : m_tries)
        attempt.attempt->cancel();
    if (!m_executor.waitForDone(int(m_options.cancelGrace.count())))
        qCWarning(lcScheduler) << "some tasks did not stop; they are retried on the next start";
    // Record the tries that did return: their completions are queued to this object.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    if (m_mailbox) { // none when start() never ran (e.g. the workspace failed to open)
        std::lock_guard lock(m_mailbox->mutex);
        m_mailbox->target = nullptr;
    }
    m_executor.waitForDone(0);
}

void SchedulerService::setRunning(bool running)
{
    QMetaObject::invokeMethod(
        this,
        [this, running] {
            if (m_running == running)
                return;
            m_running = running;
            qCInfo(lcScheduler) << "scheduled updates" << (running ? "started" : "paused");
            Q_EMIT runningChanged(running);
            noteDagsChanged();
            kick();
        },
        Qt::QueuedConnection);
}

QString SchedulerService::demoSpeedKey()
{
    return QStringLiteral("scheduler.demo_speed");
}

void SchedulerService::setDemoSpeed(bool on)
{
    QMetaObject::invokeMethod(
        this,
        [this, on] {
            if (m_demoSpeed == on)
                return;
            m_demoSpeed = on;
            qCInfo(lcScheduler) << "demo speed" << (on ? "on" : "off");
            noteDagsChanged();
            kick();
        },
        Qt::QueuedConnection);
}

const Timetable &SchedulerService::scheduleOf(const DagSpec &dag) const
{
    return effectiveSchedule(dag, m_demoSpeed);
}

void SchedulerService::setDagPaused(const QString &dagId, bool paused)
{
    QMetaObject::invokeMethod(
        this,
        [this, dagId, paused] {
            if (auto applied = applyPause(dagId, paused); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::trigger(const QString &dagId, const QJsonObject &conf, const QString &runId)
{
    QMetaObject::invokeMethod(
        this,
        [this, dagId, conf, runId] {
            if (auto applied = applyTrigger(dagId, conf, runId); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::backfill(const QString &dagId, const QDateTime &from, const QDateTime &to)
{
    QMetaObject::invokeMethod(
        this,
        [this, dagId, from, to] {
            if (auto applied = applyBackfill(dagId, from, to); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::clearTask(qint64 runRow, const QString &taskId, bool downstream)
{
    QMetaObject::invokeMethod(
        this,
        [this, runRow, taskId, downstream] {
            if (auto applied = applyClear(runRow, taskId, downstream); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::markTask(qint64 runRow, const QString &taskId, TaskState state)
{
    QMetaObject::invokeMethod(
        this,
        [this, runRow, taskId, state] {
            if (auto applied = applyMark(runRow, taskId, state); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::reloadDags()
{
    QMetaObject::invokeMethod(
        this, [this] { onDagFilesChanged(); }, Qt::QueuedConnection);
}

void SchedulerService::setPool(const QString &name, qint64 slots,
                               const std::optional<QString> &description)
{
    QMetaObject::invokeMethod(
        this,
        [this, name, slots, description] {
            if (auto applied = applySetPool(name, slots, description); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

void SchedulerService::deletePool(const QString &name)
{
    QMetaObject::invokeMethod(
        this,
        [this, name] {
            if (auto applied = applyDeletePool(name); !applied)
                Q_EMIT actionFailed(applied.errorMessage());
        },
        Qt::QueuedConnection);
}

Result<QJsonObject> SchedulerService::applyPause(const QString &dagId, bool paused)
{
    if (!m_dagBag->dag(dagId))
        return fail(QStringLiteral("there is no DAG \"%1\"").arg(dagId));
    m_paused[dagId] = paused;
    write([dagId, paused](SQLite::Database &db) { schedulerdb::setPaused(db, dagId, paused); },
          QStringLiteral("the pause flag of %1").arg(dagId));
    qCInfo(lcScheduler).noquote() << dagId << (paused ? "paused" : "unpaused");
    noteDagsChanged();
    kick();
    return QJsonObject{{QStringLiteral("dag_id"), dagId}, {QStringLiteral("paused"), paused}};
}

Result<QJsonObject> SchedulerService::applyTrigger(const QString &dagId, const QJsonObject &conf,
                                                   const QString &runId)
{
    const DagSpec *dag = m_dagBag->dag(dagId);
    if (!dag)
        return fail(QStringLiteral("there is no DAG \"%1\"").arg(dagId));
    const QDateTime now = nowUtc();
    const QString id = runId.isEmpty() ? manualRunId(now) : runId;
    auto row = createRun(*dag, RunType::Manual, id, now, std::nullopt,
                         runConfig(dag->defaultConfig, conf), QString());
    if (!row)
        return row.error();
    Q_EMIT triggered(dagId, id, *row);
    kick();
    return QJsonObject{{QStringLiteral("dag_id"), dagId}, {QStringLiteral("run_id"), id}};
}

Result<QJsonObject> SchedulerService::applyBackfill(const QString &dagId, const QDateTime &from,
                                                    const QDateTime &to)
{
    const DagSpec *dag = m_dagBag->dag(dagId);
    if (!dag)
        return fail(QStringLiteral("there is no DAG \"%1\"").arg(dagId));
    // Intervals that have not ended yet are the schedule's to run, when they are due.
    const QDateTime until = std::min(to.toUTC(), nowUtc());
    const QList<DataInterval> intervals = scheduleOf(*dag).intervalsBetween(from, until);
    if (intervals.isEmpty())
        return fail(QStringLiteral("%1 has no whole data interval between %2 and %3")
                        .arg(dagId, isoSeconds(from), isoSeconds(until)));
    QJsonArray created;
    for (const DataInterval &interval : intervals) {
        auto existing = m_store.read([&](SQLite::Database &db) {
            SQLite::Statement query(db, "SELECT 1 FROM dag_runs WHERE dag_id = ? AND "
                                        "logical_date_ms = ? AND run_type IN ('scheduled', "
                                        "'backfill')");
            query.bind(1, dagId.toStdString());
            query.bind(2, static_cast<int64_t>(interval.start.toMSecsSinceEpoch()));
            return query.executeStep();
        });
        if (!existing)
            return existing.error();
        const bool inMemory = std::any_of(m_runs.begin(), m_runs.end(), [&](const auto &entry) {
            const DagRunRecord &run = entry.second.record;
            return run.dagId == dagId && run.interval && run.interval->start == interval.start;
        });
        if (*existing || inMemory)
            continue; // that interval has its run already
        const QString id = QStringLiteral("backfill__") + isoSeconds(interval.start);
        auto row = createRun(*dag, RunType::Backfill, id, interval.start, interval,
                             dag->defaultConfig, QString());
        if (!row)
            return row.error();
        created.append(id);
        Q_EMIT triggered(dagId, id, *row);
    }
    qCInfo(lcScheduler).noquote() << "backfill of" << dagId << "created" << created.size()
                                  << "runs";
    kick();
    return QJsonObject{{QStringLiteral("dag_id"), dagId}, {QStringLiteral("run_ids"), created}};
}

Result<QJsonObject> SchedulerService::applyClear(qint64 runRow, const QString &taskId,
                                                 bool downstream)
{
    ActiveRun *run = findOrLoadRun(runRow);
    const DagSpec *dag = run ? m_dagBag->dag(run->record.dagId) : nullptr;
    if (!run || !dag || !dag->task(taskId))
        return fail(QStringLiteral("cannot clear %1: no such task in a loaded DAG").arg(taskId));
    QStringList toClear{taskId};
    for (int i = 0; downstream && i < toClear.size(); ++i) {
        for (const QString &next : dag->downstream(toClear[i])) {
            if (!toClear.contains(next))
                toClear.append(next);
        }
    }
    for (const QString &id : toClear) {
        auto found = run->tasks.find(id);
        if (found == run->tasks.end())
            continue;
        TaskInstanceRecord &task = found->second;
        const TaskSpec *spec = dag->task(id);
        if (task.state == TaskState::Running)
            cancelTries(runRow, id);
        // Like Airflow's clear: the tries so far stay, and the task gets its retries anew on
        // top of them.
        task.state = TaskState::None;
        task.maxTries = task.tryNumber + 1 + (spec ? spec->retry.retries : 0);
        task.endedAt = QDateTime();
        task.nextTryAt = QDateTime();
        task.message = QStringLiteral("cleared");
        run->results.remove(id);
        write([runRow, id](SQLite::Database &db) { schedulerdb::clearResult(db, runRow, id); },
              QStringLiteral("clearing a result"));
        saveTask(task);
    }
    reopen(*run);
    qCInfo(lcScheduler).noquote() << "cleared" << toClear.join(u", ") << "in" << run->record.dagId
                                  << run->record.runId;
    noteRunChanged(runRow);
    kick();
    return QJsonObject{{QStringLiteral("run_id"), run->record.runId},
                       {QStringLiteral("cleared"), QJsonArray::fromStringList(toClear)}};
}

Result<QJsonObject> SchedulerService::applyMark(qint64 runRow, const QString &taskId,
                                                TaskState state)
{
    if (state != TaskState::Success && state != TaskState::Failed && state != TaskState::Skipped)
        return fail(QStringLiteral("a task can be marked success, failed or skipped, not %1")
                        .arg(toString(state)));
    ActiveRun *run = findOrLoadRun(runRow);
    if (!run || !run->tasks.count(taskId))
        return fail(QStringLiteral("cannot mark %1: no such task instance").arg(taskId));
    TaskInstanceRecord &task = run->tasks[taskId];
    if (task.state == TaskState::Running)
        cancelTries(runRow, taskId);
    task.state = state;
    task.endedAt = nowUtc();
    task.nextTryAt = QDateTime();
    task.message = QStringLiteral("marked %1 by hand").arg(toString(state));
    saveTask(task);
    reopen(*run);
    noteRunChanged(runRow);
    kick();
    return QJsonObject{{QStringLiteral("run_id"), run->record.runId},
                       {QStringLiteral("task_id"), taskId},
                       {QStringLiteral("state"), toString(state)}};
}

Result<QJsonObject> SchedulerService::applySetPool(const QString &name, qint64 slots,
                                                   const std::optional<QString> &description)
{
    const auto stored = m_pools.find(name);
    const std::optional<int> previous =
        stored != m_pools.end() ? std::optional(stored->second.slots) : std::nullopt;
    Result<PoolRecord> pool = pools::checkSet(
        name, slots,
        description.value_or(stored != m_pools.end() ? stored->second.description : QString()));
    if (!pool)
        return pool.error();
    m_pools[name] = *pool;
    const PoolRecord record = *pool;
    write([record](SQLite::Database &db) { schedulerdb::savePool(db, record); },
          QStringLiteral("pool %1").arg(name));
    if (previous)
        qCInfo(lcScheduler).noquote()
            << "pool" << name << "resized from" << *previous << "to" << record.slots << "slots";
    else
        qCInfo(lcScheduler).noquote()
            << "pool" << name << "created with" << record.slots << "slots";
    emitPools();
    // The next pass starts the tasks that fit now; dispatch() keeps a shrunk pool from starting
    // more until what runs is under its new size, and never stops what runs.
    kick();
    return pools::setOutcome(record, previous);
}

Result<QJsonObject> SchedulerService::applyDeletePool(const QString &name)
{
    // The tasks in memory, not the database: the writes of the last moments may not be in yet.
    if (Result<void> allowed = pools::checkDelete(name, m_pools.count(name) > 0, poolUsage(name));
        !allowed)
        return allowed.error();
    m_pools.erase(name);
    write([name](SQLite::Database &db) { schedulerdb::deletePool(db, name); },
          QStringLiteral("deleting pool %1").arg(name));
    qCInfo(lcScheduler).noquote() << "pool" << name << "deleted";
    emitPools();
    return pools::deleteOutcome(name);
}

PoolUsage SchedulerService::poolUsage(const QString &pool) const
{
    PoolUsage usage;
    for (const auto &[row, run] : m_runs) {
        for (const auto &[taskId, task] : run.tasks) {
            if (task.pool != pool)
                continue;
            if (task.state == TaskState::Running) {
                ++usage.running;
                usage.runningSlots += task.poolSlots;
            } else if (task.state == TaskState::Scheduled) {
                ++usage.queued;
                usage.queuedSlots += task.poolSlots;
            } else if (task.state == TaskState::UpForRetry) {
                ++usage.retrying;
            }
        }
    }
    return usage;
}

void SchedulerService::emitPools()
{
    QList<PoolRecord> list;
    for (const auto &[name, pool] : m_pools)
        list.append(pool);
    Q_EMIT poolsChanged(list);
}

void SchedulerService::cancelTries(qint64 runRow, const QString &taskId)
{
    for (auto &[serial, attempt] : m_tries) {
        if (attempt.runRow == runRow && attempt.taskId == taskId) {
            attempt.changedByHand = true;
            attempt.attempt->cancel();
        }
    }
}

void SchedulerService::reopen(ActiveRun &run)
{
    // A finished run whose tasks changed by hand is decided again by the loop.
    if (!isFinished(run.record.state))
        return;
    run.record.state = RunState::Queued;
    run.record.endedAt = QDateTime();
    run.record.note = QString();
    saveRun(run.record);
}

void SchedulerService::applyRequests()
{
    struct Request
    {
        qint64 id = 0;
        QString action;
        QString dagId;
        QJsonObject payload;
        qint64 createdAtMs = 0;
    };
    auto pending = m_store.read([](SQLite::Database &db) {
        SQLite::Statement query(db, "SELECT id, action, dag_id, payload, created_at_ms FROM "
                                    "scheduler_requests WHERE done_at_ms IS NULL ORDER BY id");
        QList<Request> requests;
        while (query.executeStep())
            requests.append(Request{query.getColumn(0).getInt64(),
                                    QString::fromUtf8(query.getColumn(1).getText()),
                                    QString::fromUtf8(query.getColumn(2).getText()),
                                    QJsonDocument::fromJson(query.getColumn(3).getText()).object(),
                                    query.getColumn(4).getInt64()});
        return requests;
    });
    if (!pending)
        return;
    // Only ids still pending need remembering: the others' outcomes are committed.
    QSet<qint64> stillPending;
    for (const Request &request : *pending)
        stillPending.insert(request.id);
    m_appliedRequests.intersect(stillPending);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const Request &request : *pending) {
        if (m_appliedRequests.contains(request.id))
            continue; // applied; its outcome is still being written
        m_appliedRequests.insert(request.id);
        // A request nobody answered for long (the app was not running) is not acted on hours
        // later: the command that asked has long given up.
        const Result<QJsonObject> outcome =
            now - request.createdAtMs > kRequestLifetimeMs
                ? Result<QJsonObject>(fail(QStringLiteral("expired: no scheduler ran on the "
                                                          "workspace within 10 minutes of it")))
                : applyRequest(request.action, request.dagId, request.payload);
        const QByteArray text =
            outcome ? QJsonDocument(*outcome).toJson(QJsonDocument::Compact)
                    : QJsonDocument(QJsonObject{{QStringLiteral("error"), outcome.errorMessage()}})
                          .toJson(QJsonDocument::Compact);
        const bool ok = outcome.hasValue();
        const qint64 id = request.id;
        write(
            [id, ok, text](SQLite::Database &db) {
                SQLite::Statement done(db, "UPDATE scheduler_requests SET done_at_ms = ?, ok = ?, "
                                           "outcome = ? WHERE id = ?");
                done.bind(1, static_cast<int64_t>(QDateTime::currentMSecsSinceEpoch()));
                done.bind(2, ok ? 1 : 0);
                done.bind(3, text.toStdString());
                done.bind(4, static_cast<int64_t>(id));
                done.exec();
            },
            QStringLiteral("the outcome of request %1").arg(id));
        qCInfo(lcScheduler).noquote()
            << "request" << request.action << request.dagId
            << "from another process:" << (ok ? QStringLiteral("done") : outcome.errorMessage());
    }
}

Result<QJsonObject> SchedulerService::applyRequest(const QString &action, const QString &dagId,
                                                   const QJsonObject &payload)
{
    const auto runRowOf = [&]() -> Result<qint64> {
        const QString runId = payload.value(QStringLiteral("run_id")).toString();
        auto run =
            m_store.read([&](SQLite::Database &db) { return schedulerdb::run(db, dagId, runId); });
        if (!run)
            return run.error();
        if (!*run)
            return fail(QStringLiteral("%1 has no run \"%2\"").arg(dagId, runId));
        return (*run)->row;
    };
    if (action == QLatin1String("trigger"))
        return applyTrigger(dagId, payload.value(QStringLiteral("conf")).toObject(),
                            payload.value(QStringLiteral("run_id")).toString());
    if (action == QLatin1String("pause") || action == QLatin1String("unpause"))
        return applyPause(dagId, action == QLatin1String("pause"));
    if (action == QLatin1String("backfill"))
        return applyBackfill(
            dagId,
            QDateTime::fromString(payload.value(QStringLiteral("from")).toString(), Qt::ISODate),
            QDateTime::fromString(payload.value(QStringLiteral("to")).toString(), Qt::ISODate));
    if (action == QLatin1String("clear") || action == QLatin1String("mark")) {
        auto row = runRowOf();
        if (!row)
            return row.error();
        const QString taskId = payload.value(QStringLiteral("task_id")).toString();
        if (action == QLatin1String("clear"))
            return applyClear(*row, taskId, payload.value(QStringLiteral("downstream")).toBool());
        const auto state = taskStateFromString(payload.value(QStringLiteral("state")).toString());
        if (!state)
            return fail(QStringLiteral("unknown task state \"%1\"")
                            .arg(payload.value(QStringLiteral("state")).toString()));
        return applyMark(*row, taskId, *state);
    }
    if (action == QLatin1String("pool_set")) {
        const QJsonValue slots = payload.value(QStringLiteral("slots"));
        if (!slots.isDouble() || double(slots.toInteger()) != slots.toDouble())
            return fail(QStringLiteral("a pool's slots are a whole number"));
        const QJsonValue description = payload.value(QStringLiteral("description"));
        return applySetPool(payload.value(QStringLiteral("pool")).toString(), slots.toInteger(),
                            description.isString() ? std::optional(description.toString())
                                                   : std::nullopt);
    }
    if (action == QLatin1String("pool_delete"))
        return applyDeletePool(payload.value(QStringLiteral("pool")).toString());
    return fail(QStringLiteral("unknown scheduler request \"%1\"").arg(action));
}

void SchedulerService::onDagFilesChanged()
{
    if (m_stopping)
        return;
    const DagBag::Changes changes = m_dagBag->reload();
    for (const QString &dagId : changes.addedOrChanged) {
        const DagSpec *dag = m_dagBag->dag(dagId);
        if (!dag || m_paused.count(dagId))
            continue;
        // First sight of this DAG: its file decides whether it starts paused, and the flag is
        // kept so later edits of the file do not flip it.
        const bool paused = dag->pausedOnCreation;
        m_paused[dagId] = paused;
        write([dagId, paused](SQLite::Database &db) { schedulerdb::setPaused(db, dagId, paused); },
              QStringLiteral("the pause flag of %1").arg(dagId));
    }
    for (const QString &dagId : changes.addedOrChanged) {
        m_lastIntervals.erase(dagId);
        m_nextScheduled.erase(dagId);
    }
    if (m_watcher) {
        const QStringList watched = m_watcher->files();
        QStringList files;
        for (const auto &[dagId, dag] : m_dagBag->dags())
            files.append(dag.file);
        for (const auto &[file, errors] : m_dagBag->errors())
            files.append(file);
        for (const QString &file : files) {
            if (!watched.contains(file))
                m_watcher->addPath(file);
        }
    }
    if (!changes.addedOrChanged.isEmpty() || !changes.removed.isEmpty() || changes.errorsChanged) {
        qCInfo(lcScheduler).noquote() << "DAG files read:" << m_dagBag->dags().size() << "DAGs,"
                                      << m_dagBag->errors().size() << "files with errors";
        for (const auto &[file, errors] : m_dagBag->errors()) {
            for (const DagFileError &error : errors)
                qCWarning(lcScheduler).noquote() << error.toString();
        }
    }
    noteDagsChanged();
    kick();
}

void SchedulerService::kick()
{
    if (!m_stopping && m_kickTimer && !m_kickTimer->isActive())
        m_kickTimer->start();
}

void SchedulerService::loop()
{
    if (m_stopping)
        return;
    const QDateTime now = nowUtc();
    if (!m_requestsChecked.isValid() || m_requestsChecked.elapsed() >= 200) {
        m_requestsChecked.start();
        applyRequests();
    }
    createDueRuns(now);
    std::vector<qint64> rows;
    rows.reserve(m_runs.size());
    for (const auto &[row, run] : m_runs)
        rows.push_back(row);
    for (qint64 row : rows) {
        auto run = m_runs.find(row);
        if (run != m_runs.end())
            advanceRun(run->second, now);
    }
    dispatch();
    armClock(now);
}

void SchedulerService::createDueRuns(const QDateTime &now)
{
    if (!m_running)
        return;
    for (const auto &[dagId, dag] : m_dagBag->dags()) {
        if (m_paused[dagId] || scheduleOf(dag).kind() == Timetable::Kind::Manual)
            continue;
        for (;;) {
            const std::optional<DataInterval> next = nextScheduled(dag, now);
            if (!next || scheduleOf(dag).dueAt(*next) > now
                || activeRunCount(dagId) >= dag.maxActiveRuns)
                break;
            const QString runId = QStringLiteral("scheduled__") + isoSeconds(next->start);
            auto row = createRun(dag, RunType::Scheduled, runId, next->start, next,
                                 dag.defaultConfig, QString());
            m_lastIntervals[dagId] = *next;
            if (!row) {
                qCWarning(lcScheduler).noquote() << row.errorMessage();
                break;
            }
        }
    }
}

std::optional<DataInterval> SchedulerService::lastInterval(const DagSpec &dag)
{
    auto known = m_lastIntervals.find(dag.id);
    if (known != m_lastIntervals.end())
        return known->second;
    auto latest = m_store.read(
        [&](SQLite::Database &db) { return schedulerdb::latestIntervalRun(db, dag.id); });
    std::optional<DataInterval> interval;
    if (latest && *latest)
        interval = (*latest)->interval;
    if (!latest)
        qCWarning(lcScheduler).noquote() << latest.errorMessage();
    m_lastIntervals[dag.id] = interval;
    return interval;
}

std::optional<DataInterval> SchedulerService::nextScheduled(const DagSpec &dag,
                                                            const QDateTime &now)
{
    const Timetable &schedule = scheduleOf(dag);
    const std::optional<DataInterval> last = lastInterval(dag);
    auto cached = m_nextScheduled.find(dag.id);
    // Without catchup the next interval depends on the time too, but only once the cached one
    // is due: until then no newer interval can have ended.
    if (cached != m_nextScheduled.end() && cached->second.last == last
        && cached->second.schedule == schedule.text()
        && (!cached->second.next || schedule.dueAt(*cached->second.next) > now))
        return cached->second.next;
    const std::optional<DataInterval> next =
        schedule.nextInterval(last, dag.startDate, dag.catchup, now);
    m_nextScheduled[dag.id] = NextScheduled{last, schedule.text(), next};
    return next;
}

int SchedulerService::activeRunCount(const QString &dagId) const
{
    return int(std::count_if(m_runs.begin(), m_runs.end(), [&](const auto &entry) {
        return entry.second.record.dagId == dagId && !isFinished(entry.second.record.state);
    }));
}

SchedulerService::ActiveRun &SchedulerService::addRun(DagRunRecord record)
{
    const qint64 row = record.row;
    ActiveRun &run = m_runs[row];
    run.record = std::move(record);
    return run;
}

Result<qint64> SchedulerService::createRun(const DagSpec &dag, RunType type, const QString &runId,
                                           const QDateTime &logicalDate,
                                           std::optional<DataInterval> interval,
                                           const QJsonObject &conf, const QString &note)
{
    if (!isValidRunId(runId))
        return fail(QStringLiteral("\"%1\" is not a valid run id (letters, digits and _-.:+ only)")
                        .arg(runId));
    auto exists = m_store.read(
        [&](SQLite::Database &db) { return schedulerdb::run(db, dag.id, runId).has_value(); });
    if (!exists)
        return exists.error();
    const bool inMemory = std::any_of(m_runs.begin(), m_runs.end(), [&](const auto &entry) {
        return entry.second.record.dagId == dag.id && entry.second.record.runId == runId;
    });
    if (*exists || inMemory)
        return fail(QStringLiteral("%1 already has a run \"%2\"").arg(dag.id, runId));

    DagRunRecord record;
    record.row = m_nextRunRow++;
    record.dagId = dag.id;
    record.runId = runId;
    record.type = type;
    record.state = RunState::Queued;
    record.logicalDate = logicalDate.toUTC();
    record.interval = interval;
    record.conf = conf;
    record.note = note;
    record.queuedAt = nowUtc();
    write([record](SQLite::Database &db) { schedulerdb::insertRun(db, record); },
          QStringLiteral("run %1 of %2").arg(runId, dag.id));
    addRun(record);
    qCInfo(lcScheduler).noquote() << "created" << toString(type) << "run" << runId << "of"
                                  << dag.id;
    noteRunChanged(record.row);
    return record.row;
}

void SchedulerService::advanceRun(ActiveRun &run, const QDateTime &now)
{
    const DagSpec *dag = m_dagBag->dag(run.record.dagId);
    if (!dag || isFinished(run.record.state))
        return; // waits until its DAG file reads again
    if (run.record.state == RunState::Queued) {
        const int running = int(std::count_if(m_runs.begin(), m_runs.end(), [&](const auto &e) {
            return e.second.record.dagId == dag->id && e.second.record.state == RunState::Running;
        }));
        if (running >= dag->maxActiveRuns)
            return;
        run.record.state = RunState::Running;
        if (!run.record.startedAt.isValid())
            run.record.startedAt = now;
        saveRun(run.record);
    }

    for (const TaskSpec &spec : dag->tasks) {
        if (run.tasks.count(spec.id))
            continue;
        TaskInstanceRecord task;
        task.runRow = run.record.row;
        task.taskId = spec.id;
        task.maxTries = 1 + spec.retry.retries;
        task.operatorId = spec.operatorId;
        task.pool = spec.pool;
        task.poolSlots = spec.poolSlots;
        run.tasks[spec.id] = task;
        saveTask(task);
    }
    for (auto &[taskId, task] : run.tasks) {
        if (!dag->task(taskId) && !isFinished(task.state) && task.state != TaskState::Running) {
            task.state = TaskState::Removed;
            task.message = QStringLiteral("the DAG file no longer has this task");
            saveTask(task);
        }
    }

    // One pass in dependency order settles every task, since upstream tasks come first.
    for (const TaskSpec &spec : dag->tasks) {
        TaskInstanceRecord &task = run.tasks[spec.id];
        if (task.state == TaskState::UpForRetry && task.nextTryAt <= now) {
            task.state = TaskState::Scheduled;
            saveTask(task);
            m_ready.emplace_back(run.record.row, spec.id);
            continue;
        }
        if (task.state != TaskState::None)
            continue;
        QList<TaskState> upstream;
        for (const QString &upstreamId : spec.upstream)
            upstream.append(run.tasks[upstreamId].state);
        switch (decideTrigger(spec.triggerRule, UpstreamStates::count(upstream))) {
        case TriggerDecision::Wait:
            break;
        case TriggerDecision::Run:
            task.state = TaskState::Scheduled;
            saveTask(task);
            m_ready.emplace_back(run.record.row, spec.id);
            break;
        case TriggerDecision::Skip:
            task.state = TaskState::Skipped;
            task.endedAt = now;
            task.message =
                QStringLiteral("skipped: trigger rule %1 not met").arg(toString(spec.triggerRule));
            saveTask(task);
            break;
        case TriggerDecision::UpstreamFailed:
            task.state = TaskState::UpstreamFailed;
            task.endedAt = now;
            task.message = QStringLiteral("an upstream task failed");
            saveTask(task);
            break;
        }
    }
    noteRunChanged(run.record.row);

    const bool allFinished = std::all_of(run.tasks.begin(), run.tasks.end(),
                                         [](const auto &e) { return isFinished(e.second.state); });
    if (allFinished)
        finishRun(run, *dag, now);
}

void SchedulerService::finishRun(ActiveRun &run, const DagSpec &dag, const QDateTime &now)
{
    // Airflow's rule: the run failed when a leaf task failed or could not run for a failure.
    QStringList failedLeaves;
    for (const TaskSpec &spec : dag.tasks) {
        if (!dag.downstream(spec.id).isEmpty())
            continue;
        const TaskState state = run.tasks[spec.id].state;
        if (state == TaskState::Failed || state == TaskState::UpstreamFailed)
            failedLeaves.append(spec.id);
    }
    run.record.state = failedLeaves.isEmpty() ? RunState::Success : RunState::Failed;
    run.record.endedAt = now;
    if (!failedLeaves.isEmpty()) {
        QStringList failedTasks;
        for (const auto &[taskId, task] : run.tasks) {
            if (task.state == TaskState::Failed)
                failedTasks.append(taskId);
        }
        run.record.note = QStringLiteral("failed: %1").arg(failedTasks.join(u", "));
    }
    saveRun(run.record);
    qCInfo(lcScheduler).noquote() << "run" << run.record.runId << "of" << dag.id << "ended"
                                  << toString(run.record.state);
    noteRunChanged(run.record.row);
    noteDagsChanged();
    // Another run of this DAG may be waiting for the slot this one held.
    kick();
}

void SchedulerService::dispatch()
{
    std::deque<std::pair<qint64, QString>> pending;
    pending.swap(m_ready);
    std::deque<std::pair<qint64, QString>> waiting;
    while (!pending.empty()) {
        const auto [row, taskId] = pending.front();
        pending.pop_front();
        auto run = m_runs.find(row);
        if (run == m_runs.end())
            continue;
        auto found = run->second.tasks.find(taskId);
        if (found == run->second.tasks.end() || found->second.state != TaskState::Scheduled)
            continue;
        TaskInstanceRecord &task = found->second;
        const DagSpec *dag = m_dagBag->dag(run->second.record.dagId);
        if (!dag || !dag->task(taskId)) {
            waiting.emplace_back(row, taskId);
            continue;
        }
        auto pool = m_pools.find(task.pool);
        if (pool == m_pools.end()) {
            failTaskNow(run->second, task,
                        QStringLiteral("there is no pool \"%1\"").arg(task.pool));
            continue;
        }
        const int capacity = pool->second.slots;
        if (task.poolSlots > capacity) {
            // Pools can be resized while tasks wait (`millrace pools set`), so a task bigger
            // than its pool waits for it to grow, as in Airflow, and says so, rather than fail.
            const QString why =
                QStringLiteral("waiting: it needs %1 slot%2 and pool \"%3\" has %4")
                    .arg(task.poolSlots)
                    .arg(task.poolSlots == 1 ? QString() : QStringLiteral("s"), task.pool)
                    .arg(capacity);
            if (task.message != why) {
                qCWarning(lcScheduler).noquote()
                    << run->second.record.dagId << run->second.record.runId << taskId << why;
                task.message = why;
                saveTask(task);
                noteRunChanged(row);
            }
            waiting.emplace_back(row, taskId);
            continue;
        }
        if (m_executorBusy >= m_options.executorThreads
            || m_poolUsed[task.pool] + task.poolSlots > capacity) {
            waiting.emplace_back(row, taskId);
            continue;
        }
        auto started = startTry(run->second, task, *dag);
        if (!started)
            failTaskNow(run->second, task, started.errorMessage());
    }
    // Those still waiting keep their place ahead of tasks that became ready meanwhile.
    m_ready.insert(m_ready.begin(), waiting.begin(), waiting.end());
}

void SchedulerService::failTaskNow(ActiveRun &run, TaskInstanceRecord &task, const QString &message)
{
    qCWarning(lcScheduler).noquote()
        << run.record.dagId << run.record.runId << task.taskId << "cannot run:" << message;
    task.state = TaskState::Failed;
    task.endedAt = nowUtc();
    task.message = message;
    saveTask(task);
    const qint64 row = run.record.row;
    advanceRun(run, nowUtc());
    if (isFinished(run.record.state))
        m_runs.erase(row);
}

QJsonObject SchedulerService::templateContext(const ActiveRun &run,
                                              const TaskInstanceRecord &task) const
{
    const QDateTime logical = run.record.logicalDate.toUTC();
    const DataInterval interval = run.record.interval.value_or(DataInterval{logical, logical});
    QJsonObject results;
    for (auto it = run.results.begin(); it != run.results.end(); ++it)
        results.insert(it.key(), it.value());
    const QString ts = isoSeconds(logical);
    QString tsNoDash = logical.toString(QStringLiteral("yyyyMMddTHHmmss"));
    return QJsonObject{
        {QStringLiteral("ds"), logical.toString(QStringLiteral("yyyy-MM-dd"))},
        {QStringLiteral("ds_nodash"), logical.toString(QStringLiteral("yyyyMMdd"))},
        {QStringLiteral("ts"), ts},
        {QStringLiteral("ts_nodash"), tsNoDash},
        {QStringLiteral("logical_date"), ts},
        {QStringLiteral("data_interval_start"), isoSeconds(interval.start)},
        {QStringLiteral("data_interval_end"), isoSeconds(interval.end)},
        {QStringLiteral("run_id"), run.record.runId},
        {QStringLiteral("run_type"), toString(run.record.type)},
        {QStringLiteral("dag_id"), run.record.dagId},
        {QStringLiteral("task_id"), task.taskId},
        {QStringLiteral("try_number"), task.tryNumber},
        {QStringLiteral("conf"), run.record.conf},
        {QStringLiteral("params"), run.record.conf},
        {QStringLiteral("xcom"), results},
        {QStringLiteral("workspace"), m_options.workspaceRoot},
    };
}

Result<void> SchedulerService::startTry(ActiveRun &run, TaskInstanceRecord &task,
                                        const DagSpec &dag)
{
    const TaskSpec &spec = *dag.task(task.taskId);
    plugins::TaskOperator *op = m_operators.find(task.operatorId);
    if (!op)
        return fail(QStringLiteral("the operator \"%1\" is not loaded").arg(task.operatorId));

    const QDateTime now = nowUtc();
    task.tryNumber += 1;
    task.state = TaskState::Running;
    task.startedAt = now;
    task.endedAt = QDateTime();
    task.nextTryAt = QDateTime();
    task.message = QString();

    const Result<QJsonValue> params = renderTemplates(spec.params, templateContext(run, task));
    AttemptInfo info;
    info.dagId = run.record.dagId;
    info.runId = run.record.runId;
    info.taskId = task.taskId;
    info.tryNumber = task.tryNumber;
    info.logicalDate = run.record.logicalDate;
    info.runConfig = run.record.conf;
    info.params = params ? params->toObject() : QJsonObject();
    info.workspaceRoot = m_options.workspaceRoot;
    info.results = run.results;
    auto attempt = std::make_shared<TaskAttempt>(
        info,
        QDir(m_options.logsDir)
            .filePath(taskLogRelativePath(info.dagId, info.runId, info.taskId, info.tryNumber)));
    attempt->log(QStringLiteral("try %1 of %2: operator %3, pool %4 (%5 slots)")
                     .arg(task.tryNumber)
                     .arg(task.maxTries)
                     .arg(task.operatorId, task.pool)
                     .arg(task.poolSlots));

    const quint64 serial = m_nextTrySerial++;
    RunningTry &running = m_tries[serial];
    running.runRow = run.record.row;
    running.taskId = task.taskId;
    running.tryNumber = task.tryNumber;
    running.pool = task.pool;
    running.poolSlots = task.poolSlots;
    running.attempt = attempt;
    running.startedAt = now;
    m_poolUsed[task.pool] += task.poolSlots;
    ++m_executorBusy;

    saveTask(task);
    const TaskTryRecord record{run.record.row, task.taskId, task.tryNumber, TaskState::Running, now,
                               QDateTime(),    QString()};
    write([record](SQLite::Database &db) { schedulerdb::saveTry(db, record); },
          QStringLiteral("a try of %1").arg(task.taskId));
    noteRunChanged(run.record.row);

    if (!params) {
        // A template that does not render fails this try like any other failure would.
        plugins::TaskOutcome outcome{false, QJsonValue(), params.errorMessage(), false};
        m_mailbox->post([this, serial, outcome] { onTryFinished(serial, outcome); });
        return {};
    }
    if (spec.executionTimeout) {
        running.timeout = new QTimer(this);
        running.timeout->setSingleShot(true);
        connect(running.timeout, &QTimer::timeout, this, [this, serial] { onTimeout(serial); });
        running.timeout->start(
            int(std::min<qint64>(spec.executionTimeout->count(), std::numeric_limits<int>::max())));
    }
    std::shared_ptr<Mailbox> mailbox = m_mailbox;
    m_executor.start([this, mailbox, op, attempt, serial] {
        plugins::TaskOutcome outcome;
        try {
            outcome = op->run(*attempt);
        } catch (const std::exception &e) {
            outcome = plugins::TaskOutcome{
                false, QJsonValue(),
                QStringLiteral("the operator failed: %1").arg(QString::fromLocal8Bit(e.what())),
                false};
        } catch (...) {
            outcome = plugins::TaskOutcome{false, QJsonValue(),
                                           QStringLiteral("the operator failed"), false};
        }
        mailbox->post([this, serial, outcome] { onTryFinished(serial, outcome); });
    });
    return {};
}

void SchedulerService::onTryFinished(quint64 serial, plugins::TaskOutcome outcome)
{
    auto found = m_tries.find(serial);
    if (found == m_tries.end()) {
        // A try given up on after its timeout has returned at last: its thread is free now.
        --m_executorBusy;
        dispatch();
        return;
    }
    RunningTry &running = found->second;
    if (m_stopping && !running.timedOut && running.attempt->isCancelled()) {
        endTry(serial, TaskState::None, QStringLiteral("interrupted: Millrace was shut down"),
               QJsonValue());
        return;
    }
    if (running.timedOut) {
        QString message = QStringLiteral("timed out after %1")
                              .arg(seconds(milliseconds(running.timeout->interval())));
        endTry(serial, TaskState::Failed, message, QJsonValue());
    } else if (!outcome.ok) {
        endTry(serial, TaskState::Failed,
               outcome.error.isEmpty() ? QStringLiteral("the task failed") : outcome.error,
               QJsonValue());
    } else if (outcome.skipped) {
        endTry(serial, TaskState::Skipped, outcome.error, outcome.result);
    } else {
        endTry(serial, TaskState::Success, QString(), outcome.result);
    }
}

void SchedulerService::onTimeout(quint64 serial)
{
    auto found = m_tries.find(serial);
    if (found == m_tries.end())
        return;
    RunningTry &running = found->second;
    running.timedOut = true;
    running.attempt->log(QStringLiteral("execution timeout of %1 reached: stopping the task")
                             .arg(seconds(milliseconds(running.timeout->interval()))));
    running.attempt->cancel();
    running.grace = new QTimer(this);
    running.grace->setSingleShot(true);
    connect(running.grace, &QTimer::timeout, this, [this, serial] { onGraceOver(serial); });
    running.grace->start(int(m_options.cancelGrace.count()));
}

void SchedulerService::onGraceOver(quint64 serial)
{
    auto found = m_tries.find(serial);
    if (found == m_tries.end())
        return;
    RunningTry &running = found->second;
    running.executorBusy = false; // the thread stays busy; onTryFinished frees it later
    running.attempt->log(QStringLiteral("the operator did not stop within %1 of its timeout; "
                                        "the try is failed without it")
                             .arg(seconds(m_options.cancelGrace)));
    endTry(serial, TaskState::Failed,
           QStringLiteral("timed out after %1 (the operator did not stop)")
               .arg(seconds(milliseconds(running.timeout->interval()))),
           QJsonValue());
}

void SchedulerService::endTry(quint64 serial, TaskState state, const QString &message,
                              const QJsonValue &result)
{
    auto found = m_tries.find(serial);
    if (found == m_tries.end())
        return;
    RunningTry running = std::move(found->second);
    m_tries.erase(found);
    m_poolUsed[running.pool] -= running.poolSlots;
    if (running.executorBusy)
        --m_executorBusy;
    delete running.timeout;
    delete running.grace;

    const QDateTime now = nowUtc();
    TaskTryRecord attempt{running.runRow,
                          running.taskId,
                          running.tryNumber,
                          state == TaskState::None ? TaskState::Failed : state,
                          running.startedAt,
                          now,
                          message};
    write([attempt](SQLite::Database &db) { schedulerdb::saveTry(db, attempt); },
          QStringLiteral("a try of %1").arg(running.taskId));

    // Decided here, not from the task as stored: once its run has finished it is read back from
    // the database, where the change by hand may not have landed yet, and the cancelled try
    // would then overwrite it.
    ActiveRun *run = running.changedByHand ? nullptr : findOrLoadRun(running.runRow);
    auto task = run ? run->tasks.find(running.taskId) : decltype(run->tasks.end())();
    if (!run || task == run->tasks.end() || task->second.state != TaskState::Running
        || task->second.tryNumber != running.tryNumber) {
        // Cleared or marked by hand while it ran: the try is recorded, the task left alone.
        running.attempt->log(QStringLiteral("the try ended (%1) after the task was changed by "
                                            "hand")
                                 .arg(toString(attempt.state)));
        dispatch();
        return;
    }
    TaskInstanceRecord &instance = task->second;
    const DagSpec *dag = m_dagBag->dag(run->record.dagId);
    const TaskSpec *spec = dag ? dag->task(instance.taskId) : nullptr;
    instance.endedAt = now;
    instance.message = message;
    if (state == TaskState::None) {
        // Shut down while it ran: it runs again on the next start without losing a try.
        instance.state = TaskState::None;
        instance.maxTries += 1;
        running.attempt->log(QStringLiteral("stopped: Millrace is shutting down; the task runs "
                                            "again on the next start"));
    } else if (state == TaskState::Failed && instance.tryNumber < instance.maxTries) {
        const milliseconds delay =
            spec ? spec->retry.delayBefore(instance.tryNumber + 1) : milliseconds(0);
        instance.state = TaskState::UpForRetry;
        instance.nextTryAt = now.addMSecs(delay.count());
        running.attempt->log(QStringLiteral("failed: %1; try %2 starts in %3")
                                 .arg(message)
                                 .arg(instance.tryNumber + 1)
                                 .arg(seconds(delay)));
    } else {
        instance.state = state;
        if (state == TaskState::Failed)
            running.attempt->log(QStringLiteral("failed: %1").arg(message));
        else if (state == TaskState::Skipped)
            running.attempt->log(message.isEmpty() ? QStringLiteral("skipped")
                                                   : QStringLiteral("skipped: %1").arg(message));
        else
            running.attempt->log(QStringLiteral("succeeded in %1")
                                     .arg(seconds(milliseconds(running.startedAt.msecsTo(now)))));
    }
    if ((state == TaskState::Success || state == TaskState::Skipped) && !result.isUndefined()
        && !result.isNull()) {
        run->results.insert(instance.taskId, result);
        const qint64 row = running.runRow;
        const QString taskId = instance.taskId;
        write([row, taskId,
               result](SQLite::Database &db) { schedulerdb::saveResult(db, row, taskId, result); },
              QStringLiteral("the result of %1").arg(taskId));
    }
    saveTask(instance);
    if (m_stopping)
        return;
    advanceRun(*run, now);
    if (isFinished(run->record.state))
        m_runs.erase(running.runRow);
    dispatch();
    armClock(now);
}

SchedulerService::ActiveRun *SchedulerService::findOrLoadRun(qint64 runRow)
{
    auto found = m_runs.find(runRow);
    if (found != m_runs.end())
        return &found->second;
    struct Loaded
    {
        std::optional<DagRunRecord> run;
        QList<TaskInstanceRecord> tasks;
        QHash<QString, QJsonValue> results;
    };
    auto loaded = m_store.read([runRow](SQLite::Database &db) {
        return Loaded{schedulerdb::run(db, runRow), schedulerdb::taskInstances(db, runRow),
                      schedulerdb::results(db, runRow)};
    });
    if (!loaded || !loaded->run)
        return nullptr;
    ActiveRun &run = addRun(*loaded->run);
    run.results = loaded->results;
    for (const TaskInstanceRecord &task : loaded->tasks)
        run.tasks[task.taskId] = task;
    return &run;
}

void SchedulerService::armClock(const QDateTime &now)
{
    if (m_stopping)
        return;
    QDateTime next = now.addMSecs(m_options.tick.count());
    for (const auto &[row, run] : m_runs) {
        for (const auto &[taskId, task] : run.tasks) {
            if (task.state == TaskState::UpForRetry && task.nextTryAt < next)
                next = task.nextTryAt;
        }
    }
    if (m_running) {
        for (const auto &[dagId, dag] : m_dagBag->dags()) {
            if (m_paused[dagId] || scheduleOf(dag).kind() == Timetable::Kind::Manual)
                continue;
            const auto interval = nextScheduled(dag, now);
            if (interval) {
                const QDateTime due = scheduleOf(dag).dueAt(*interval);
                if (due < next)
                    next = due;
            }
        }
    }
    const qint64 wait = std::max<qint64>(0, now.msecsTo(next));
    m_clock->start(int(std::min<qint64>(wait, m_options.tick.count())));
}

void SchedulerService::checkEvents()
{
    if (m_stopping || !m_running)
        return;
    for (const auto &[dagId, dag] : m_dagBag->dags()) {
        if (m_paused[dagId] || dag.triggers.isEmpty())
            continue;
        auto state = m_triggerStates.find(dagId);
        if (state == m_triggerStates.end()) {
            auto stored = m_store.read(
                [&](SQLite::Database &db) { return schedulerdb::triggerState(db, dagId); });
            state = m_triggerStates.emplace(dagId, stored ? *stored : QJsonObject()).first;
        }
        checkModelStages(dag, state->second);
        for (const EventTrigger &trigger : dag.triggers) {
            if (trigger.kind != EventTrigger::Kind::TopicMessages || !m_events.topicMessageCount)
                continue;
            const QString key = dagId + QLatin1Char('/') + trigger.topic;
            if (m_topicChecks.contains(key))
                continue;
            m_topicChecks.insert(key);
            std::shared_ptr<Mailbox> mailbox = m_mailbox;
            auto count = m_events.topicMessageCount;
            const QString topic = trigger.topic;
            const qint64 threshold = trigger.messages;
            QThreadPool::globalInstance()->start([this, mailbox, count, dagId, topic, threshold] {
                const Result<qint64> messages = count(topic);
                mailbox->post([this, dagId, topic, threshold, messages] {
                    onTopicCount(dagId, topic, threshold, messages);
                });
            });
        }
    }
}

void SchedulerService::onTopicCount(const QString &dagId, const QString &topic, qint64 threshold,
                                    const Result<qint64> &count)
{
    m_topicChecks.remove(dagId + QLatin1Char('/') + topic);
    const DagSpec *dag = m_dagBag->dag(dagId);
    if (!dag || m_stopping)
        return;
    if (!count) {
        qCDebug(lcScheduler).noquote() << "cannot count the messages of" << topic << "for" << dagId
                                       << ":" << count.errorMessage();
        return;
    }
    QJsonObject &state = m_triggerStates[dagId];
    const QString key = QStringLiteral("topic:") + topic;
    const bool known = state.contains(key);
    const qint64 seen = state.value(key).toInteger();
    bool changed = false;
    if (!known || *count < seen) {
        // First look, or the topic was recreated: count from here on.
        state.insert(key, *count);
        changed = true;
    } else if (*count - seen >= threshold && m_running && !m_paused[dagId]
               && activeRunCount(dagId) < dag->maxActiveRuns) {
        const QDateTime now = nowUtc();
        const QJsonObject trigger{{QStringLiteral("kind"), QStringLiteral("topic")},
                                  {QStringLiteral("topic"), topic},
                                  {QStringLiteral("messages"), *count - seen},
                                  {QStringLiteral("from"), seen},
                                  {QStringLiteral("to"), *count}};
        QJsonObject conf = dag->defaultConfig;
        conf.insert(QStringLiteral("trigger"), trigger);
        auto row =
            createRun(*dag, RunType::Event, QStringLiteral("event__") + isoMilliseconds(now), now,
                      std::nullopt, conf,
                      QStringLiteral("%1 received %2 new messages").arg(topic).arg(*count - seen));
        if (row) {
            state.insert(key, *count);
            changed = true;
            kick();
        }
    }
    if (changed) {
        const QJsonObject copy = state;
        write(
            [dagId, copy](SQLite::Database &db) { schedulerdb::setTriggerState(db, dagId, copy); },
            QStringLiteral("the trigger state of %1").arg(dagId));
    }
}

void SchedulerService::checkModelStages(const DagSpec &dag, const QJsonObject &stateIn)
{
    QJsonObject state = stateIn;
    bool changed = false;
    for (const EventTrigger &trigger : dag.triggers) {
        if (trigger.kind != EventTrigger::Kind::ModelStage)
            continue;
        const QString key = QStringLiteral("model:%1:%2").arg(trigger.model, trigger.stage);
        const bool known = state.contains(key);
        const qint64 seen = state.value(key).toInteger();
        struct Event
        {
            qint64 id = 0;
            qint64 version = 0;
        };
        auto events = m_store.read([&](SQLite::Database &db) {
            SQLite::Statement query(db, "SELECT e.event_id, e.version FROM registry_events e "
                                        "JOIN registered_models m ON m.model_id = e.model_id "
                                        "WHERE m.name = ? AND e.kind = 'stage' AND "
                                        "lower(e.to_stage) = lower(?) AND e.event_id > ? "
                                        "ORDER BY e.event_id");
            query.bind(1, trigger.model.toStdString());
            query.bind(2, trigger.stage.toStdString());
            query.bind(3, static_cast<int64_t>(seen));
            QList<Event> found;
            while (query.executeStep())
                found.append(Event{query.getColumn(0).getInt64(), query.getColumn(1).getInt64()});
            return found;
        });
        if (!events) {
            qCWarning(lcScheduler).noquote() << events.errorMessage();
            continue;
        }
        if (events->isEmpty()) {
            if (!known) {
                state.insert(key, 0);
                changed = true;
            }
            continue;
        }
        const Event latest = events->last();
        if (known && activeRunCount(dag.id) < dag.maxActiveRuns) {
            const QDateTime now = nowUtc();
            QJsonObject conf = dag.defaultConfig;
            conf.insert(QStringLiteral("trigger"),
                        QJsonObject{{QStringLiteral("kind"), QStringLiteral("model_stage")},
                                    {QStringLiteral("model"), trigger.model},
                                    {QStringLiteral("stage"), trigger.stage},
                                    {QStringLiteral("version"), latest.version}});
            auto row =
                createRun(dag, RunType::Event, QStringLiteral("event__") + isoMilliseconds(now),
                          now, std::nullopt, conf,
                          QStringLiteral("%1 version %2 entered %3")
                              .arg(trigger.model)
                              .arg(latest.version)
                              .arg(trigger.stage));
            if (!row)
                continue;
            kick();
        } else if (known) {
            continue; // at max_active_runs: look again later
        }
        // On first sight only the cursor moves: earlier promotions do not start runs.
        state.insert(key, latest.id);
        changed = true;
    }
    if (changed) {
        m_triggerStates[dag.id] = state;
        const QString dagId = dag.id;
        write([dagId,
               state](SQLite::Database &db) { schedulerdb::setTriggerState(db, dagId, state); },
              QStringLiteral("the trigger state of %1").arg(dagId));
    }
}

void SchedulerService::saveTask(const TaskInstanceRecord &task)
{
    write([task](SQLite::Database &db) { schedulerdb::saveTaskInstance(db, task); },
          QStringLiteral("task %1").arg(task.taskId));
}

void SchedulerService::saveRun(const DagRunRecord &run)
{
    write([run](SQLite::Database &db) { schedulerdb::updateRun(db, run); },
          QStringLiteral("run %1").arg(run.runId));
}

void SchedulerService::write(std::function<void(SQLite::Database &)> write, const QString &what)
{
    // Writes are queued in order and not waited for: the Store's single writer keeps their order,
    // so what is committed is always a state the scheduler was in.
    m_store.write(std::move(write)).then([what](const Result<void> &written) {
        if (!written)
            qCWarning(lcScheduler).noquote()
                << "could not save" << what << ":" << written.errorMessage();
    });
}

void SchedulerService::noteRunChanged(qint64 runRow)
{
    // A copy now: a finished run leaves memory before the coalesced signal goes out, and the
    // database may not have its last state committed yet.
    auto run = m_runs.find(runRow);
    if (run != m_runs.end())
        m_changedRuns[runRow] = run->second.record;
    if (m_runsTimer && !m_runsTimer->isActive())
        m_runsTimer->start();
}

void SchedulerService::noteDagsChanged()
{
    if (m_dagsTimer && !m_dagsTimer->isActive())
        m_dagsTimer->start();
}

void SchedulerService::emitRuns()
{
    const std::map<qint64, DagRunRecord> changed = std::exchange(m_changedRuns, {});
    for (const auto &[row, snapshot] : changed) {
        auto run = m_runs.find(row);
        Q_EMIT runChanged(run != m_runs.end() ? run->second.record : snapshot);
    }
    noteDagsChanged();
}

void SchedulerService::emitDags()
{
    if (m_stopping)
        return;
    auto latest =
        m_store.read([](SQLite::Database &db) { return schedulerdb::latestRunPerDag(db); });
    const QDateTime now = nowUtc();
    // The runs in memory by DAG, in one pass: their count, and the newest, which is newer than
    // what the writer has committed so far.
    std::map<QString, std::pair<int, const DagRunRecord *>> inMemory;
    for (const auto &[row, run] : m_runs) {
        auto &[active, newest] = inMemory[run.record.dagId];
        if (!isFinished(run.record.state))
            ++active;
        if (!newest || newest->row <= row)
            newest = &run.record;
    }
    QList<DagSummary> summaries;
    for (const auto &[dagId, dag] : m_dagBag->dags()) {
        DagSummary summary;
        summary.spec = dag;
        summary.spec.schedule = scheduleOf(dag); // what applies now, demo speed or not
        summary.paused = m_paused[dagId];
        if (latest && latest->contains(dagId))
            summary.lastRun = latest->value(dagId);
        if (auto memory = inMemory.find(dagId); memory != inMemory.end()) {
            summary.activeRuns = memory->second.first;
            const DagRunRecord *newest = memory->second.second;
            if (!summary.lastRun || summary.lastRun->row <= newest->row)
                summary.lastRun = *newest;
        }
        if (scheduleOf(dag).kind() != Timetable::Kind::Manual) {
            const auto next = nextScheduled(dag, now);
            if (next)
                summary.nextRunAt = scheduleOf(dag).dueAt(*next);
        }
        summaries.append(summary);
    }
    QList<DagFileError> errors;
    for (const auto &[file, fileErrors] : m_dagBag->errors())
        errors.append(fileErrors);
    Q_EMIT dagsChanged(summaries, errors);
}

} // namespace millrace::scheduler

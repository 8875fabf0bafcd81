#pragma once

#include "core/scheduler/dagspec.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace millrace::scheduler {

/// Where a DAG run is (Airflow's DagRunState).
enum class RunState { Queued, Running, Success, Failed };
/// Why a DAG run exists.
enum class RunType { Scheduled, Manual, Backfill, Event };
/// Where a task instance is (Airflow's TaskInstanceState; None = not yet considered).
enum class TaskState {
    None,
    Scheduled, ///< its trigger rule holds; waiting for a pool slot
    Running,
    Success,
    Failed,
    UpForRetry, ///< failed a try; the next one starts at nextTryAt
    UpstreamFailed,
    Skipped,
    Removed, ///< its DAG file no longer has it
};

/// The database spellings ("queued", "up_for_retry", ...) and back.
QString toString(RunState state);
QString toString(RunType type);
QString toString(TaskState state);
std::optional<RunState> runStateFromString(const QString &text);
std::optional<RunType> runTypeFromString(const QString &text);
std::optional<TaskState> taskStateFromString(const QString &text);

/// True for states a task instance does not leave on its own.
bool isFinished(TaskState state);
/// True for states a run does not leave on its own.
bool isFinished(RunState state);

/// One DAG run as stored.
struct DagRunRecord
{
    qint64 row = 0; ///< the database row, the run's handle inside Millrace
    QString dagId;
    QString runId; ///< "scheduled__2026-01-01T00:00:00+00:00", as Airflow names runs
    RunType type = RunType::Manual;
    RunState state = RunState::Queued;
    QDateTime logicalDate;
    std::optional<DataInterval> interval;
    QJsonObject conf;
    QString note; ///< why an event run started, or a message about how the run ended
    QDateTime queuedAt;
    QDateTime startedAt;
    QDateTime endedAt;
};

/// One task of one run as stored.
struct TaskInstanceRecord
{
    qint64 runRow = 0;
    QString taskId;
    TaskState state = TaskState::None;
    int tryNumber = 0; ///< the try running or last run; 0 before the first
    int maxTries = 1;  ///< 1 + retries
    QString operatorId;
    QString pool;
    int poolSlots = 1;
    QDateTime startedAt;
    QDateTime endedAt;
    QDateTime nextTryAt;
    QString message; ///< the last failure, skip reason or what an action did
};

/// One try of a task, for the Gantt chart and the log list.
struct TaskTryRecord
{
    qint64 runRow = 0;
    QString taskId;
    int tryNumber = 1;
    TaskState state = TaskState::Running;
    QDateTime startedAt;
    QDateTime endedAt;
    QString message;
};

/// A pool of task slots.
struct PoolRecord
{
    QString name;
    int slots = 0;
    QString description;
};

/// What a pool is used for now, counted from its task instances.
struct PoolUsage
{
    int running = 0;      ///< task instances running
    int runningSlots = 0; ///< the slots they hold
    int queued = 0;       ///< task instances scheduled: their trigger rule holds, waiting for slots
    int queuedSlots = 0;  ///< the slots they wait for
    int retrying = 0;     ///< task instances up for retry, which need the pool again
};

/// What the Jobs panel and `millrace dags list` show of one DAG.
struct DagSummary
{
    DagSpec spec;
    bool paused = false;
    QDateTime nextRunAt; ///< null when none is scheduled
    std::optional<DagRunRecord> lastRun;
    int activeRuns = 0;
};

/// A time as run ids and templates spell it, Airflow's way: "2026-01-01T00:00:00+00:00".
QString isoSeconds(const QDateTime &time);
/// The same with milliseconds, for runs started by a person or an event.
QString isoMilliseconds(const QDateTime &time);
/// The run id of a manual run triggered at `now`: "manual__2026-01-01T12:00:00.123+00:00".
QString manualRunId(const QDateTime &now);
/// True for a run id the scheduler accepts: it names a folder under logs/, so letters, digits
/// and _-.:+ only, at most 250 characters.
bool isValidRunId(const QString &runId);
/// A run's config: the DAG's defaults with `overrides` on top.
QJsonObject runConfig(const QJsonObject &defaults, const QJsonObject &overrides);
/// The schedule that applies to `dag`: its demo_schedule while demo speed is on.
const Timetable &effectiveSchedule(const DagSpec &dag, bool demoSpeed);

/// The path of a task try's log below the workspace's logs folder:
/// <dag>/<run>/<task>/<try>.log.
QString taskLogRelativePath(const QString &dagId, const QString &runId, const QString &taskId,
                            int tryNumber);

} // namespace millrace::scheduler

Q_DECLARE_METATYPE(millrace::scheduler::DagRunRecord)
Q_DECLARE_METATYPE(millrace::scheduler::TaskInstanceRecord)
Q_DECLARE_METATYPE(millrace::scheduler::DagSummary)
Q_DECLARE_METATYPE(millrace::scheduler::PoolRecord)

#pragma once

#include "core/scheduler/schedulertypes.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

#include <map>
#include <optional>

namespace SQLite {
class Database;
}

/// The scheduler's tables (schema migration 7): runs, task instances, tries, results, pools and
/// per-DAG state. Plain functions over a connection, so the scheduler (through the Store's
/// writer), the Jobs panel and the CLI (through readers) share one spelling of every query.
/// They throw SQLite::Exception on database errors, as Store callbacks may.
namespace millrace::scheduler::schedulerdb {

// Reads.

/// Runs still queued or running, oldest first.
QList<DagRunRecord> activeRuns(SQLite::Database &db);
/// The run with database row `row`.
std::optional<DagRunRecord> run(SQLite::Database &db, qint64 row);
/// The run of `dagId` named `runId`.
std::optional<DagRunRecord> run(SQLite::Database &db, const QString &dagId, const QString &runId);
/// Runs of `dagId` (every DAG when empty), newest logical date first, at most `limit`.
QList<DagRunRecord> runs(SQLite::Database &db, const QString &dagId, int limit);
/// The scheduled or backfill run of `dagId` with the latest data interval.
std::optional<DagRunRecord> latestIntervalRun(SQLite::Database &db, const QString &dagId);
/// The newest run of each DAG, by dag id.
QHash<QString, DagRunRecord> latestRunPerDag(SQLite::Database &db);
/// The task instances of run `row`, by task id.
QList<TaskInstanceRecord> taskInstances(SQLite::Database &db, qint64 runRow);
/// The task instances of every run in `runRows`: run by run in that order, each by task id.
QList<TaskInstanceRecord> taskInstances(SQLite::Database &db, const QList<qint64> &runRows);
/// The tries of run `row`, by task then try.
QList<TaskTryRecord> tries(SQLite::Database &db, qint64 runRow);
/// The results (XCom "return_value") of run `row`'s tasks, by task id.
QHash<QString, QJsonValue> results(SQLite::Database &db, qint64 runRow);
/// Which DAGs have a stored pause flag, and its value.
std::map<QString, bool> pausedFlags(SQLite::Database &db);
/// The cursors of `dagId`'s event triggers ({} when none).
QJsonObject triggerState(SQLite::Database &db, const QString &dagId);
/// The pools, by name.
QList<PoolRecord> pools(SQLite::Database &db);
/// The pool named `name`.
std::optional<PoolRecord> pool(SQLite::Database &db, const QString &name);
/// What each pool is used for, by pool name, from the task instances of active runs as stored
/// (pools nothing uses are missing).
QHash<QString, PoolUsage> poolUsage(SQLite::Database &db);
/// The highest run row so far (0 for none).
qint64 maxRunRow(SQLite::Database &db);
/// A counter that grows with every change to runs, task instances and DAG state.
qint64 changeCounter(SQLite::Database &db);

// Writes (inside a Store write).

/// Inserts `run` with its row. Throws on a duplicate run id or a second run of one interval.
void insertRun(SQLite::Database &db, const DagRunRecord &run);
/// Stores `run`'s state, times and note.
void updateRun(SQLite::Database &db, const DagRunRecord &run);
/// Inserts or replaces a task instance.
void saveTaskInstance(SQLite::Database &db, const TaskInstanceRecord &instance);
/// Inserts or replaces a try.
void saveTry(SQLite::Database &db, const TaskTryRecord &attempt);
/// Stores a task's result.
void saveResult(SQLite::Database &db, qint64 runRow, const QString &taskId,
                const QJsonValue &value);
/// Drops a task's result (when it is cleared to run again).
void clearResult(SQLite::Database &db, qint64 runRow, const QString &taskId);
/// Pauses or unpauses `dagId`.
void setPaused(SQLite::Database &db, const QString &dagId, bool paused);
/// Stores the cursors of `dagId`'s event triggers.
void setTriggerState(SQLite::Database &db, const QString &dagId, const QJsonObject &state);
/// Creates or resizes a pool (pools::checkSet() says whether it may be).
void savePool(SQLite::Database &db, const PoolRecord &pool);
/// Deletes a pool (pools::checkDelete() says whether it may be).
void deletePool(SQLite::Database &db, const QString &name);

} // namespace millrace::scheduler::schedulerdb

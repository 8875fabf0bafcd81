#include "core/scheduler/schedulerdb.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace millrace::scheduler::schedulerdb {

namespace {

std::string utf8(const QString &text)
{
    return text.toStdString();
}

QString text(const SQLite::Column &column)
{
    return column.isNull() ? QString() : QString::fromUtf8(column.getText());
}

QDateTime time(const SQLite::Column &column)
{
    if (column.isNull())
        return QDateTime();
    return QDateTime::fromMSecsSinceEpoch(column.getInt64(), QTimeZone::utc());
}

void bindTime(SQLite::Statement &statement, int index, const QDateTime &value)
{
    if (value.isValid())
        statement.bind(index, static_cast<int64_t>(value.toMSecsSinceEpoch()));
    else
        statement.bind(index);
}

QJsonObject object(const SQLite::Column &column)
{
    return QJsonDocument::fromJson(column.isNull() ? QByteArray() : QByteArray(column.getText()))
        .object();
}

std::string compact(const QJsonObject &value)
{
    return QJsonDocument(value).toJson(QJsonDocument::Compact).toStdString();
}

// Keeps the column list and its reader in one place.
constexpr char kRunColumns[] =
    "id, dag_id, run_id, run_type, state, logical_date_ms, interval_start_ms, interval_end_ms, "
    "conf, note, queued_at_ms, start_ms, end_ms";

DagRunRecord readRun(SQLite::Statement &row)
{
    DagRunRecord run;
    run.row = row.getColumn(0).getInt64();
    run.dagId = text(row.getColumn(1));
    run.runId = text(row.getColumn(2));
    run.type = runTypeFromString(text(row.getColumn(3))).value_or(RunType::Manual);
    run.state = runStateFromString(text(row.getColumn(4))).value_or(RunState::Failed);
    run.logicalDate = time(row.getColumn(5));
    if (!row.getColumn(6).isNull() && !row.getColumn(7).isNull())
        run.interval = DataInterval{time(row.getColumn(6)), time(row.getColumn(7))};
    run.conf = object(row.getColumn(8));
    run.note = text(row.getColumn(9));
    run.queuedAt = time(row.getColumn(10));
    run.startedAt = time(row.getColumn(11));
    run.endedAt = time(row.getColumn(12));
    return run;
}

QList<DagRunRecord> readRuns(SQLite::Statement &query)
{
    QList<DagRunRecord> runs;
    while (query.executeStep())
        runs.append(readRun(query));
    return runs;
}

constexpr char kTaskColumns[] = "run_row, task_id, state, try_number, max_tries, operator, pool, "
                                "pool_slots, start_ms, end_ms, next_try_at_ms, message";

TaskInstanceRecord readTask(SQLite::Statement &row)
{
    TaskInstanceRecord task;
    task.runRow = row.getColumn(0).getInt64();
    task.taskId = text(row.getColumn(1));
    task.state = taskStateFromString(text(row.getColumn(2))).value_or(TaskState::None);
    task.tryNumber = row.getColumn(3).getInt();
    task.maxTries = row.getColumn(4).getInt();
    task.operatorId = text(row.getColumn(5));
    task.pool = text(row.getColumn(6));
    task.poolSlots = row.getColumn(7).getInt();
    task.startedAt = time(row.getColumn(8));
    task.endedAt = time(row.getColumn(9));
    task.nextTryAt = time(row.getColumn(10));
    task.message = text(row.getColumn(11));
    return task;
}

std::string select(const char *columns, const char *table, const std::string &rest)
{
    return std::string("SELECT ") + columns + " FROM " + table + " " + rest;
}

} // namespace

QList<DagRunRecord> activeRuns(SQLite::Database &db)
{
    SQLite::Statement query(
        db, select(kRunColumns, "dag_runs", "WHERE state IN ('queued', 'running') ORDER BY id"));
    return readRuns(query);
}

std::optional<DagRunRecord> run(SQLite::Database &db, qint64 row)
{
    SQLite::Statement query(db, select(kRunColumns, "dag_runs", "WHERE id = ?"));
    query.bind(1, static_cast<int64_t>(row));
    if (!query.executeStep())
        return std::nullopt;
    return readRun(query);
}

std::optional<DagRunRecord> run(SQLite::Database &db, const QString &dagId, const QString &runId)
{
    SQLite::Statement query(db, select(kRunColumns, "dag_runs", "WHERE dag_id = ? AND run_id = ?"));
    query.bind(1, utf8(dagId));
    query.bind(2, utf8(runId));
    if (!query.executeStep())
        return std::nullopt;
    return readRun(query);
}

QList<DagRunRecord> runs(SQLite::Database &db, const QString &dagId, int limit)
{
    if (dagId.isEmpty()) {
        SQLite::Statement query(
            db, select(kRunColumns, "dag_runs", "ORDER BY logical_date_ms DESC, id DESC LIMIT ?"));
        query.bind(1, limit);
        return readRuns(query);
    }
    SQLite::Statement query(db, select(kRunColumns, "dag_runs",
                                       "WHERE dag_id = ? ORDER BY logical_date_ms DESC, id DESC "
                                       "LIMIT ?"));
    query.bind(1, utf8(dagId));
    query.bind(2, limit);
    return readRuns(query);
}

std::optional<DagRunRecord> latestIntervalRun(SQLite::Database &db, const QString &dagId)
{
    SQLite::Statement query(db, select(kRunColumns, "dag_runs",
                                       "WHERE dag_id = ? AND run_type IN ('scheduled', "
                                       "'backfill') ORDER BY logical_date_ms DESC LIMIT 1"));
    query.bind(1, utf8(dagId));
    if (!query.executeStep())
        return std::nullopt;
    return readRun(query);
}

QHash<QString, DagRunRecord> latestRunPerDag(SQLite::Database &db)
{
    // The newest run by row: rows grow with creation, unlike logical dates of backfills.
    SQLite::Statement query(db, select(kRunColumns, "dag_runs",
                                       "WHERE id IN (SELECT max(id) FROM dag_runs GROUP BY "
                                       "dag_id)"));
    QHash<QString, DagRunRecord> latest;
    while (query.executeStep()) {
        DagRunRecord run = readRun(query);
        latest.insert(run.dagId, run);
    }
    return latest;
}

QList<TaskInstanceRecord> taskInstances(SQLite::Database &db, qint64 runRow)
{
    return taskInstances(db, QList<qint64>{runRow});
}

QList<TaskInstanceRecord> taskInstances(SQLite::Database &db, const QList<qint64> &runRows)
{
    QList<TaskInstanceRecord> tasks;
    SQLite::Statement query(
        db, select(kTaskColumns, "task_instances", "WHERE run_row = ? ORDER BY task_id"));
    for (qint64 row : runRows) {
        query.reset();
        query.bind(1, static_cast<int64_t>(row));
        while (query.executeStep())
            tasks.append(readTask(query));
    }
    return tasks;
}

QList<TaskTryRecord> tries(SQLite::Database &db, qint64 runRow)
{
    SQLite::Statement query(db, "SELECT task_id, try_number, state, start_ms, end_ms, message "
                                "FROM task_tries WHERE run_row = ? ORDER BY start_ms, task_id, "
                                "try_number");
    query.bind(1, static_cast<int64_t>(runRow));
    QList<TaskTryRecord> tries;
    while (query.executeStep()) {
        TaskTryRecord attempt;
        attempt.runRow = runRow;
        attempt.taskId = text(query.getColumn(0));
        attempt.tryNumber = query.getColumn(1).getInt();
        attempt.state = taskStateFromString(text(query.getColumn(2))).value_or(TaskState::Failed);
        attempt.startedAt = time(query.getColumn(3));
        attempt.endedAt = time(query.getColumn(4));
        attempt.message = text(query.getColumn(5));
        tries.append(attempt);
    }
    return tries;
}

QHash<QString, QJsonValue> results(SQLite::Database &db, qint64 runRow)
{
    SQLite::Statement query(db, "SELECT task_id, value FROM xcom WHERE run_row = ? AND key = "
                                "'return_value'");
    query.bind(1, static_cast<int64_t>(runRow));
    QHash<QString, QJsonValue> results;
    while (query.executeStep()) {
        // Stored wrapped in an array, so scalars survive QJsonDocument.
        const QJsonArray wrapped =
            QJsonDocument::fromJson(QByteArray(query.getColumn(1).getText())).array();
        results.insert(text(query.getColumn(0)), wrapped.isEmpty() ? QJsonValue() : wrapped[0]);
    }
    return results;
}

std::map<QString, bool> pausedFlags(SQLite::Database &db)
{
    SQLite::Statement query(db, "SELECT dag_id, paused FROM dag_state");
    std::map<QString, bool> flags;
    while (query.executeStep())
        flags[text(query.getColumn(0))] = query.getColumn(1).getInt() != 0;
    return flags;
}

QJsonObject triggerState(SQLite::Database &db, const QString &dagId)
{
    SQLite::Statement query(db, "SELECT trigger_state FROM dag_state WHERE dag_id = ?");
    query.bind(1, utf8(dagId));
    return query.executeStep() ? object(query.getColumn(0)) : QJsonObject();
}

QList<PoolRecord> pools(SQLite::Database &db)
{
    SQLite::Statement query(db, "SELECT name, slots, description FROM pools ORDER BY name");
    QList<PoolRecord> pools;
    while (query.executeStep())
        pools.append(PoolRecord{text(query.getColumn(0)), query.getColumn(1).getInt(),
                                text(query.getColumn(2))});
    return pools;
}

std::optional<PoolRecord> pool(SQLite::Database &db, const QString &name)
{
    SQLite::Statement query(db, "SELECT name, slots, description FROM pools WHERE name = ?");
    query.bind(1, utf8(name));
    if (!query.executeStep())
        return std::nullopt;
    return PoolRecord{text(query.getColumn(0)), query.getColumn(1).getInt(),
                      text(query.getColumn(2))};
}

QHash<QString, PoolUsage> poolUsage(SQLite::Database &db)
{
    // Only active runs have unfinished task instances; their index spares a scan of every run's.
    SQLite::Statement query(db, "SELECT pool, state, count(*), coalesce(sum(pool_slots), 0) FROM "
                                "task_instances WHERE run_row IN (SELECT id FROM dag_runs WHERE "
                                "state IN ('queued', 'running')) AND state IN ('running', "
                                "'scheduled', 'up_for_retry') GROUP BY pool, state");
    QHash<QString, PoolUsage> usage;
    while (query.executeStep()) {
        PoolUsage &pool = usage[text(query.getColumn(0))];
        const QString state = text(query.getColumn(1));
        const int count = query.getColumn(2).getInt();
        const int slots = query.getColumn(3).getInt();
        if (state == u"running") {
            pool.running += count;
            pool.runningSlots += slots;
        } else if (state == u"scheduled") {
            pool.queued += count;
            pool.queuedSlots += slots;
        } else {
            pool.retrying += count;
        }
    }
    return usage;
}

qint64 maxRunRow(SQLite::Database &db)
{
    SQLite::Statement query(db, "SELECT coalesce(max(id), 0) FROM dag_runs");
    query.executeStep();
    return query.getColumn(0).getInt64();
}

qint64 changeCounter(SQLite::Database &db)
{
    SQLite::Statement query(db, "SELECT changes FROM scheduler_changes WHERE id = 1");
    return query.executeStep() ? query.getColumn(0).getInt64() : 0;
}

void insertRun(SQLite::Database &db, const DagRunRecord &run)
{
    SQLite::Statement insert(db, std::string("INSERT INTO dag_runs (") + kRunColumns
                                     + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, static_cast<int64_t>(run.row));
    insert.bind(2, utf8(run.dagId));
    insert.bind(3, utf8(run.runId));
    insert.bind(4, utf8(toString(run.type)));
    insert.bind(5, utf8(toString(run.state)));
    bindTime(insert, 6, run.logicalDate);
    bindTime(insert, 7, run.interval ? run.interval->start : QDateTime());
    bindTime(insert, 8, run.interval ? run.interval->end : QDateTime());
    insert.bind(9, compact(run.conf));
    insert.bind(10, utf8(run.note));
    bindTime(insert, 11, run.queuedAt);
    bindTime(insert, 12, run.startedAt);
    bindTime(insert, 13, run.endedAt);
    insert.exec();
}

void updateRun(SQLite::Database &db, const DagRunRecord &run)
{
    SQLite::Statement update(db, "UPDATE dag_runs SET state = ?, note = ?, start_ms = ?, end_ms "
                                 "= ? WHERE id = ?");
    update.bind(1, utf8(toString(run.state)));
    update.bind(2, utf8(run.note));
    bindTime(update, 3, run.startedAt);
    bindTime(update, 4, run.endedAt);
    update.bind(5, static_cast<int64_t>(run.row));
    update.exec();
}

void saveTaskInstance(SQLite::Database &db, const TaskInstanceRecord &task)
{
    SQLite::Statement upsert(db, std::string("INSERT OR REPLACE INTO task_instances (")
                                     + kTaskColumns
                                     + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    upsert.bind(1, static_cast<int64_t>(task.runRow));
    upsert.bind(2, utf8(task.taskId));
    upsert.bind(3, utf8(toString(task.state)));
    upsert.bind(4, task.tryNumber);
    upsert.bind(5, task.maxTries);
    upsert.bind(6, utf8(task.operatorId));
    upsert.bind(7, utf8(task.pool));
    upsert.bind(8, task.poolSlots);
    bindTime(upsert, 9, task.startedAt);
    bindTime(upsert, 10, task.endedAt);
    bindTime(upsert, 11, task.nextTryAt);
    upsert.bind(12, utf8(task.message));
    upsert.exec();
}

void saveTry(SQLite::Database &db, const TaskTryRecord &attempt)
{
    SQLite::Statement upsert(db, "INSERT OR REPLACE INTO task_tries (run_row, task_id, "
                                 "try_number, state, start_ms, end_ms, message) VALUES (?, ?, ?, "
                                 "?, ?, ?, ?)");
    upsert.bind(1, static_cast<int64_t>(attempt.runRow));
    upsert.bind(2, utf8(attempt.taskId));
    upsert.bind(3, attempt.tryNumber);
    upsert.bind(4, utf8(toString(attempt.state)));
    bindTime(upsert, 5, attempt.startedAt);
    bindTime(upsert, 6, attempt.endedAt);
    upsert.bind(7, utf8(attempt.message));
    upsert.exec();
}

void saveResult(SQLite::Database &db, qint64 runRow, const QString &taskId, const QJsonValue &value)
{
    SQLite::Statement upsert(db, "INSERT OR REPLACE INTO xcom (run_row, task_id, key, value) "
                                 "VALUES (?, ?, 'return_value', ?)");
    upsert.bind(1, static_cast<int64_t>(runRow));
    upsert.bind(2, utf8(taskId));
    upsert.bind(3, QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).toStdString());
    upsert.exec();
}

void clearResult(SQLite::Database &db, qint64 runRow, const QString &taskId)
{
    SQLite::Statement remove(db, "DELETE FROM xcom WHERE run_row = ? AND task_id = ?");
    remove.bind(1, static_cast<int64_t>(runRow));
    remove.bind(2, utf8(taskId));
    remove.exec();
}

void setPaused(SQLite::Database &db, const QString &dagId, bool paused)
{
    SQLite::Statement upsert(db, "INSERT INTO dag_state (dag_id, paused, trigger_state, "
                                 "updated_at_ms) VALUES (?, ?, '{}', ?) ON CONFLICT(dag_id) DO "
                                 "UPDATE SET paused = excluded.paused, updated_at_ms = "
                                 "excluded.updated_at_ms");
    upsert.bind(1, utf8(dagId));
    upsert.bind(2, paused ? 1 : 0);
    upsert.bind(3, static_cast<int64_t>(QDateTime::currentMSecsSinceEpoch()));
    upsert.exec();
}

void setTriggerState(SQLite::Database &db, const QString &dagId, const QJsonObject &state)
{
    SQLite::Statement upsert(db, "INSERT INTO dag_state (dag_id, paused, trigger_state, "
                                 "updated_at_ms) VALUES (?, 0, ?, ?) ON CONFLICT(dag_id) DO "
                                 "UPDATE SET trigger_state = excluded.trigger_state, "
                                 "updated_at_ms = excluded.updated_at_ms");
    upsert.bind(1, utf8(dagId));
    upsert.bind(2, compact(state));
    upsert.bind(3, static_cast<int64_t>(QDateTime::currentMSecsSinceEpoch()));
    upsert.exec();
}

void savePool(SQLite::Database &db, const PoolRecord &pool)
{
    SQLite::Statement upsert(db, "INSERT OR REPLACE INTO pools (name, slots, description) "
                                 "VALUES (?, ?, ?)");
    upsert.bind(1, utf8(pool.name));
    upsert.bind(2, pool.slots);
    upsert.bind(3, utf8(pool.description));
    upsert.exec();
}

void deletePool(SQLite::Database &db, const QString &name)
{
    SQLite::Statement remove(db, "DELETE FROM pools WHERE name = ?");
    remove.bind(1, utf8(name));
    remove.exec();
}

} // namespace millrace::scheduler::schedulerdb

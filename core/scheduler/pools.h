#pragma once

#include "core/base/result.h"
#include "core/scheduler/schedulertypes.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace SQLite {
class Database;
}

/// The rules of pools (Airflow's `airflow pools set|delete`), in one place for the scheduler,
/// which applies them while it runs, and for `millrace pools`, which applies them to a
/// workspace no scheduler runs on.
namespace millrace::scheduler::pools {

/// The pool of tasks that name none (Airflow's default_pool): it can be resized, never deleted.
QString defaultPoolName();
/// The longest pool name (Airflow's pool column holds 256 characters).
constexpr int kMaxNameLength = 256;

/// Checks a pool to create or resize: its name is 1 to 256 of [A-Za-z0-9_.-] and its slots are
/// at least 0 and fit an int. Returns the record to store, or why it cannot be.
Result<PoolRecord> checkSet(const QString &name, qint64 slots, const QString &description);
/// Checks that `name` may be deleted: it exists, it is not default_pool, and no task instance of
/// it is running, waiting for a slot or waiting to retry.
Result<void> checkDelete(const QString &name, bool exists, const PoolUsage &usage);

/// What a pool_set request (and SchedulerService::setPool) answers: the pool as stored, and its
/// slots before ("previous_slots", null when it was created).
QJsonObject setOutcome(const PoolRecord &pool, std::optional<int> previousSlots);
/// What a pool_delete request answers.
QJsonObject deleteOutcome(const QString &name);

/// The scheduler_requests payloads of the pool actions: pool_set {"pool", "slots",
/// "description" (absent: kept)} and pool_delete {"pool"}.
QJsonObject setPayload(const QString &name, qint64 slots,
                       const std::optional<QString> &description);
QJsonObject deletePayload(const QString &name);

/// Sets a pool in a database no scheduler runs on, inside a Store write, with the checks the
/// scheduler makes; a null `description` keeps the stored one. Throws std::runtime_error with
/// the reason when refused, so the write keeps nothing. Returns setOutcome().
QJsonObject setInDatabase(SQLite::Database &db, const QString &name, qint64 slots,
                          const std::optional<QString> &description);
/// Deletes a pool in a database no scheduler runs on, inside a Store write, with the checks the
/// scheduler makes (its task instances as stored). Throws std::runtime_error when refused.
QJsonObject deleteInDatabase(SQLite::Database &db, const QString &name);

} // namespace millrace::scheduler::pools

#include "core/scheduler/pools.h"

#include "core/scheduler/schedulerdb.h"

#include <QStringList>

#include <SQLiteCpp/Database.h>

#include <limits>
#include <stdexcept>

namespace millrace::scheduler::pools {

namespace {

bool isNameCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
           || c == u'_' || c == u'.' || c == u'-';
}

QString plural(int count, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(count).arg(QLatin1String(count == 1 ? one : many));
}

} // namespace

QString defaultPoolName()
{
    return QStringLiteral("default_pool");
}

Result<PoolRecord> checkSet(const QString &name, qint64 slots, const QString &description)
{
    if (name.isEmpty())
        return fail(QStringLiteral("a pool needs a name"));
    if (name.size() > kMaxNameLength)
        return fail(QStringLiteral("a pool's name has at most %1 characters; \"%2...\" has %3")
                        .arg(kMaxNameLength)
                        .arg(name.left(20))
                        .arg(name.size()));
    for (const QChar c : name) {
        if (!isNameCharacter(c))
            return fail(QStringLiteral("\"%1\" is not a valid pool name: letters, digits and _.- "
                                       "only")
                            .arg(name));
    }
    if (slots < 0)
        return fail(QStringLiteral("a pool's slots cannot be negative (%1 for \"%2\"); 0 holds "
                                   "every task of the pool")
                        .arg(slots)
                        .arg(name));
    if (slots > std::numeric_limits<int>::max())
        return fail(QStringLiteral("a pool has at most %1 slots, not %2")
                        .arg(std::numeric_limits<int>::max())
                        .arg(slots));
    return PoolRecord{name, int(slots), description};
}

Result<void> checkDelete(const QString &name, bool exists, const PoolUsage &usage)
{
    if (name == defaultPoolName())
        return fail(QStringLiteral("default_pool cannot be deleted (tasks that name no pool run "
                                   "in it); resize it instead"));
    if (!exists)
        return fail(QStringLiteral("there is no pool \"%1\"").arg(name));
    if (usage.running + usage.queued + usage.retrying == 0)
        return {};
    QStringList uses;
    if (usage.running > 0)
        uses.append(plural(usage.running, "task instance running", "task instances running"));
    if (usage.queued > 0)
        uses.append(QStringLiteral("%1 waiting for a slot")
                        .arg(plural(usage.queued, "task instance", "task instances")));
    if (usage.retrying > 0)
        uses.append(QStringLiteral("%1 waiting to retry")
                        .arg(plural(usage.retrying, "task instance", "task instances")));
    return fail(QStringLiteral("pool \"%1\" is in use (%2); delete it once they are done")
                    .arg(name, uses.join(QStringLiteral(", "))));
}

QJsonObject setOutcome(const PoolRecord &pool, std::optional<int> previousSlots)
{
    return QJsonObject{
        {QStringLiteral("pool"), pool.name},
        {QStringLiteral("slots"), pool.slots},
        {QStringLiteral("description"), pool.description},
        {QStringLiteral("previous_slots"),
         previousSlots ? QJsonValue(*previousSlots) : QJsonValue()},
    };
}

QJsonObject deleteOutcome(const QString &name)
{
    return QJsonObject{{QStringLiteral("pool"), name}, {QStringLiteral("deleted"), true}};
}

QJsonObject setPayload(const QString &name, qint64 slots, const std::optional<QString> &description)
{
    QJsonObject payload{{QStringLiteral("pool"), name}, {QStringLiteral("slots"), slots}};
    if (description)
        payload.insert(QStringLiteral("description"), *description);
    return payload;
}

QJsonObject deletePayload(const QString &name)
{
    return QJsonObject{{QStringLiteral("pool"), name}};
}

QJsonObject setInDatabase(SQLite::Database &db, const QString &name, qint64 slots,
                          const std::optional<QString> &description)
{
    const std::optional<PoolRecord> stored = schedulerdb::pool(db, name);
    Result<PoolRecord> pool =
        checkSet(name, slots, description.value_or(stored ? stored->description : QString()));
    if (!pool)
        throw std::runtime_error(pool.errorMessage().toStdString());
    schedulerdb::savePool(db, *pool);
    return setOutcome(*pool, stored ? std::optional(stored->slots) : std::nullopt);
}

QJsonObject deleteInDatabase(SQLite::Database &db, const QString &name)
{
    const bool exists = schedulerdb::pool(db, name).has_value();
    if (Result<void> allowed = checkDelete(name, exists, schedulerdb::poolUsage(db).value(name));
        !allowed)
        throw std::runtime_error(allowed.errorMessage().toStdString());
    schedulerdb::deletePool(db, name);
    return deleteOutcome(name);
}

} // namespace millrace::scheduler::pools

#include "app/poolscommand.h"

#include "app/commandline.h"
#include "app/schedulerrequests.h"
#include "core/scheduler/pools.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulertypes.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/workspace/workspace.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <SQLiteCpp/Database.h>

#include <algorithm>
#include <memory>
#include <optional>

using namespace millrace;
using namespace millrace::scheduler;

namespace {

constexpr char kPoolsUsage[] =
    "usage: millrace [--workspace DIR] pools list [--json]\n"
    "       millrace [--workspace DIR] pools set NAME SLOTS [--description TEXT] [--wait S]\n"
    "       millrace [--workspace DIR] pools delete NAME [--wait S]\n"
    "Pools cap how many task slots run at once (a task takes its pool_slots, 1 unless its DAG\n"
    "file says otherwise). list shows each pool's slots, the slots its running tasks hold, the\n"
    "slots its queued tasks (scheduled, waiting for a slot) ask for, its open slots and its\n"
    "description. set creates a pool or resizes it (SLOTS >= 0; 0 holds every task of the\n"
    "pool; the description is kept unless given). A resize holds at once: waiting tasks start\n"
    "when the pool grows; when it shrinks, running tasks finish and no new one starts until\n"
    "fewer slots than its size are in use. A name is 1 to 256 of A-Z a-z 0-9 _ . -.\n"
    "delete refuses default_pool and a pool with task instances running or waiting.\n"
    "While the app holds the workspace, set and delete ask its scheduler and wait up to --wait\n"
    "seconds (default 10; 0: do not wait) for the outcome; otherwise they change the workspace\n"
    "directly.\n";

constexpr int kDefaultWaitSeconds = 10;

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace pools: " << problem << "\n" << kPoolsUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace pools: " << message << "\n";
    return ExitFailure;
}

QString databasePath(const QString &root)
{
    return QDir(root).filePath(QStringLiteral("millrace.db"));
}

// The arguments after `pools ACTION`: QCommandLineParser would take a negative SLOTS for an
// option, and a negative SLOTS deserves the pool rule's message, so they are read by hand.
struct Arguments
{
    QStringList positional;
    bool json = false;
    std::optional<QString> description;
    int waitSeconds = kDefaultWaitSeconds;
    QString error;
};

Arguments parseArguments(const QStringList &arguments)
{
    Arguments parsed;
    bool optionsOver = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const bool looksLikeOption =
            argument.startsWith(u'-') && argument.size() > 1 && !argument.at(1).isDigit();
        if (optionsOver || !looksLikeOption) {
            parsed.positional.append(argument);
            continue;
        }
        if (argument == QLatin1String("--")) {
            optionsOver = true;
            continue;
        }
        const qsizetype equals = argument.indexOf(u'=');
        const QString name = equals < 0 ? argument : argument.left(equals);
        const auto value = [&]() -> std::optional<QString> {
            if (equals >= 0)
                return argument.mid(equals + 1);
            if (i + 1 < arguments.size())
                return arguments.at(++i);
            return std::nullopt;
        };
        if (name == QLatin1String("--json") && equals < 0) {
            parsed.json = true;
        } else if (name == QLatin1String("--description")) {
            parsed.description = value();
            if (!parsed.description)
                parsed.error = QStringLiteral("--description takes a text");
        } else if (name == QLatin1String("--wait")) {
            bool ok = false;
            const std::optional<QString> seconds = value();
            parsed.waitSeconds = seconds ? seconds->toInt(&ok) : -1;
            if (!ok || parsed.waitSeconds < 0)
                parsed.error = QStringLiteral("--wait takes a number of seconds (0: do not wait)");
        } else {
            parsed.error = QStringLiteral("unknown option \"%1\"").arg(argument);
        }
        if (!parsed.error.isEmpty())
            return parsed;
    }
    return parsed;
}

// ---- List.

struct PoolRow
{
    PoolRecord pool;
    PoolUsage usage;

    int openSlots() const { return std::max(0, pool.slots - usage.runningSlots); }
};

QJsonObject poolJson(const PoolRow &row)
{
    return QJsonObject{
        {QStringLiteral("name"), row.pool.name},
        {QStringLiteral("slots"), row.pool.slots},
        {QStringLiteral("running_slots"), row.usage.runningSlots},
        {QStringLiteral("queued_slots"), row.usage.queuedSlots},
        {QStringLiteral("open_slots"), row.openSlots()},
        {QStringLiteral("running_tasks"), row.usage.running},
        {QStringLiteral("queued_tasks"), row.usage.queued},
        {QStringLiteral("up_for_retry_tasks"), row.usage.retrying},
        {QStringLiteral("description"), row.pool.description},
    };
}

int listPools(const QString &root, bool json)
{
    if (!QFileInfo(databasePath(root)).isFile())
        return failure(QStringLiteral("no workspace at %1").arg(QDir(root).absolutePath()));
    auto store =
        Store::openReadOnly(databasePath(root), millraceMigrations(), kMillraceApplicationId);
    if (!store)
        return failure(store.errorMessage());
    auto rows = (*store)->read([](SQLite::Database &db) {
        const QHash<QString, PoolUsage> usage = schedulerdb::poolUsage(db);
        QList<PoolRow> rows;
        for (const PoolRecord &pool : schedulerdb::pools(db))
            rows.append(PoolRow{pool, usage.value(pool.name)});
        return rows;
    });
    if (!rows)
        return failure(rows.errorMessage());

    QTextStream out(stdout);
    if (json) {
        QJsonArray array;
        for (const PoolRow &row : *rows)
            array.append(poolJson(row));
        out << QJsonDocument(QJsonObject{{QStringLiteral("pools"), array},
                                         {QStringLiteral("total_entries"), qint64(rows->size())}})
                   .toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    const auto line = [&out](const QString &name, const QString &slots, const QString &running,
                             const QString &queued, const QString &open,
                             const QString &description) {
        QString row = QStringLiteral("%1  %2  %3  %4  %5  %6")
                          .arg(name, -24)
                          .arg(slots, 6)
                          .arg(running, 7)
                          .arg(queued, 6)
                          .arg(open, 5)
                          .arg(description);
        while (row.endsWith(u' '))
            row.chop(1);
        out << row << "\n";
    };
    line(QStringLiteral("POOL"), QStringLiteral("SLOTS"), QStringLiteral("RUNNING"),
         QStringLiteral("QUEUED"), QStringLiteral("OPEN"), QStringLiteral("DESCRIPTION"));
    for (const PoolRow &row : *rows)
        line(row.pool.name, QString::number(row.pool.slots),
             QString::number(row.usage.runningSlots), QString::number(row.usage.queuedSlots),
             QString::number(row.openSlots()), row.pool.description);
    return ExitOk;
}

// ---- Changes: through the running app's scheduler, or straight into the workspace.

QString slotCount(int slots)
{
    return QStringLiteral("%1 %2").arg(slots).arg(slots == 1 ? QStringLiteral("slot")
                                                             : QStringLiteral("slots"));
}

// The line that tells the user what an applied change did; `outcome` is what the scheduler
// writes back for it (pools::setOutcome(), pools::deleteOutcome()).
QString describeOutcome(const SchedulerRequest &change, const QJsonObject &outcome)
{
    const QString name = outcome.value(QStringLiteral("pool")).toString();
    if (change.action == QLatin1String("pool_delete"))
        return QStringLiteral("deleted pool %1").arg(name);
    const QString slots = slotCount(outcome.value(QStringLiteral("slots")).toInt());
    const QJsonValue previous = outcome.value(QStringLiteral("previous_slots"));
    if (previous.isNull() || previous.isUndefined())
        return QStringLiteral("created pool %1 with %2").arg(name, slots);
    return QStringLiteral("set pool %1 to %2 (was %3)").arg(name, slots).arg(previous.toInt());
}

int askTheApp(const QString &root, const SchedulerRequest &change, int waitSeconds)
{
    auto store = openForSchedulerRequests(root);
    if (!store)
        return failure(store.errorMessage());
    const QueuedSchedulerRequest request = queueSchedulerRequest(**store, change);
    if (const Result<void> queued = request.written.result(); !queued)
        return failure(queued.errorMessage());
    const qint64 id = *request.id;
    const QString pool = change.payload.value(QStringLiteral("pool")).toString();
    if (waitSeconds == 0) {
        QTextStream(stdout) << "asked the app's scheduler to "
                            << (change.action == QLatin1String("pool_set") ? "set" : "delete")
                            << " pool " << pool << " (request " << id << ")\n";
        return ExitOk;
    }
    const Result<std::optional<QJsonObject>> answer =
        awaitSchedulerRequest(**store, id, waitSeconds);
    if (!answer)
        return failure(answer.errorMessage());
    if (!*answer)
        return failure(QStringLiteral("the request is queued (request %1), but the app holding "
                                      "the workspace has not picked it up within %2 s: is its "
                                      "scheduler running? It applies the request when it does.")
                           .arg(id)
                           .arg(waitSeconds));
    QTextStream(stdout) << describeOutcome(change, **answer) << "\n";
    return ExitOk;
}

// For a workspace nobody runs: the same rules as the scheduler's, checked and applied in one
// write while this process holds the workspace, so no app opens it in between.
int applyHere(Workspace &workspace, const SchedulerRequest &change,
              const std::optional<QString> &description)
{
    const QString name = change.payload.value(QStringLiteral("pool")).toString();
    const qint64 slots = change.payload.value(QStringLiteral("slots")).toInteger();
    auto outcome = std::make_shared<QJsonObject>();
    const bool set = change.action == QLatin1String("pool_set");
    const Result<void> written =
        workspace.store()
            .write([set, name, slots, description, outcome](SQLite::Database &db) {
                *outcome = set ? pools::setInDatabase(db, name, slots, description)
                               : pools::deleteInDatabase(db, name);
            })
            .result();
    if (!written)
        return failure(written.errorMessage());
    QTextStream(stdout) << describeOutcome(change, *outcome) << "\n";
    return ExitOk;
}

int applyChange(const QString &root, const SchedulerRequest &change,
                const std::optional<QString> &description, int waitSeconds)
{
    if (!Workspace::inspect(root).holder.isEmpty())
        return askTheApp(root, change, waitSeconds);
    // Not Workspace::open's creating a workspace for a change that has nothing to act on.
    if (!QFileInfo(databasePath(root)).isFile())
        return failure(QStringLiteral("no workspace at %1").arg(QDir(root).absolutePath()));
    auto workspace = Workspace::open(root);
    if (!workspace) {
        // The app may have opened the workspace since it was looked at.
        if (!Workspace::inspect(root).holder.isEmpty())
            return askTheApp(root, change, waitSeconds);
        return failure(workspace.errorMessage());
    }
    return applyHere(**workspace, change, description);
}

} // namespace

const char *poolsUsage()
{
    return kPoolsUsage;
}

int runPoolsCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    const QString action = args.value(1);
    if (action != QLatin1String("list") && action != QLatin1String("set")
        && action != QLatin1String("delete"))
        return usage(action.isEmpty() ? QStringLiteral("which pools command?")
                                      : QStringLiteral("unknown pools command \"%1\"").arg(action));
    const Arguments parsed = parseArguments(args.mid(2));
    if (!parsed.error.isEmpty())
        return usage(parsed.error);
    const QStringList &positional = parsed.positional;

    if (action == QLatin1String("list")) {
        if (!positional.isEmpty())
            return usage(QStringLiteral("list takes no arguments"));
        return listPools(invocation.workspace, parsed.json);
    }
    if (parsed.json)
        return usage(QStringLiteral("--json is for list"));
    if (action == QLatin1String("delete")) {
        if (positional.size() != 1)
            return usage(QStringLiteral("delete takes one pool name"));
        if (parsed.description)
            return usage(QStringLiteral("--description is for set"));
        const SchedulerRequest change{QStringLiteral("pool_delete"), QString(),
                                      pools::deletePayload(positional.first())};
        return applyChange(invocation.workspace, change, std::nullopt, parsed.waitSeconds);
    }
    if (positional.size() != 2)
        return usage(QStringLiteral("set takes a pool name and a number of slots"));
    bool ok = false;
    const qint64 slots = positional.at(1).toLongLong(&ok);
    if (!ok)
        return usage(QStringLiteral("SLOTS is a whole number (0 or more), not \"%1\"")
                         .arg(positional.at(1)));
    // The scheduler checks again; checking here makes bad input a usage error before anything
    // is opened.
    if (Result<PoolRecord> checked =
            pools::checkSet(positional.first(), slots, parsed.description.value_or(QString()));
        !checked)
        return usage(checked.errorMessage());
    const SchedulerRequest change{QStringLiteral("pool_set"), QString(),
                                  pools::setPayload(positional.first(), slots, parsed.description)};
    return applyChange(invocation.workspace, change, parsed.description, parsed.waitSeconds);
}

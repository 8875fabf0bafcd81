#include "app/workspacecommand.h"

#include "app/commandline.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/appstate.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"

#include <QDir>
#include <QTextStream>

using namespace millrace;

namespace {

constexpr char kUsage[] = "usage: millrace [--workspace DIR] workspace [info]\n"
                          "       millrace [--workspace DIR] workspace get KEY\n"
                          "       millrace [--workspace DIR] workspace set KEY VALUE\n"
                          "settings: tracking.port (0-65535; 0 picks a free port)\n"
                          "          scheduler.demo_speed (on|off: DAGs with a demo_schedule "
                          "run on it; read at start)\n";

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace workspace: " << problem << "\n" << kUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace workspace: " << message << "\n";
    return ExitFailure;
}

// Checks a setting's value; returns the problem, or nothing when it is fine.
QString checkSetting(const QString &key, const QString &value)
{
    if (key == QLatin1String(kTrackingPortSetting)) {
        bool ok = false;
        const uint port = value.toUInt(&ok);
        if (!ok || port > 65535)
            return QStringLiteral("%1 takes a port number (0-65535), not \"%2\"").arg(key, value);
        return QString();
    }
    if (key == scheduler::SchedulerService::demoSpeedKey()) {
        if (value != QLatin1String("on") && value != QLatin1String("off"))
            return QStringLiteral("%1 takes on or off, not \"%2\"").arg(key, value);
        return QString();
    }
    return QStringLiteral("unknown setting \"%1\"").arg(key);
}

int info(const Invocation &invocation)
{
    const WorkspaceStatus status = Workspace::inspect(invocation.workspace);
    if (!status.exists)
        return failure(QStringLiteral("no workspace at %1").arg(status.root));
    QTextStream(stdout) << "workspace:      " << status.root << "\n"
                        << "schema version: "
                        << (status.schemaVersion < 0 ? QStringLiteral("unreadable")
                                                     : QString::number(status.schemaVersion))
                        << "\n"
                        << "in use by:      "
                        << (status.holder.isEmpty() ? QStringLiteral("nobody") : status.holder)
                        << "\n";
    return ExitOk;
}

int get(const Invocation &invocation, const QString &key)
{
    const QString problem = checkSetting(key, QStringLiteral("0"));
    if (!problem.isEmpty())
        return usage(problem);
    auto store =
        Store::openReadOnly(QDir(invocation.workspace).filePath(QStringLiteral("millrace.db")),
                            millraceMigrations(), kMillraceApplicationId);
    if (!store)
        return failure(store.errorMessage());
    auto value = (*store)->read([&](SQLite::Database &db) { return appstate::get(db, key); });
    if (!value)
        return failure(value.errorMessage());
    if (!value->has_value())
        return failure(QStringLiteral("%1 is not set").arg(key));
    QTextStream(stdout) << **value << "\n";
    return ExitOk;
}

int set(const Invocation &invocation, const QString &key, const QString &value)
{
    const QString problem = checkSetting(key, value);
    if (!problem.isEmpty())
        return usage(problem);
    // Writing takes the workspace: it fails, naming the holder, while the app runs on it.
    auto workspace = Workspace::open(invocation.workspace);
    if (!workspace)
        return failure(workspace.errorMessage());
    Result<void> written = (*workspace)
                               ->store()
                               .write([&](SQLite::Database &db) { appstate::set(db, key, value); })
                               .result();
    if (!written)
        return failure(written.errorMessage());
    QTextStream(stdout) << key << " = " << value << " (used from the next start)\n";
    return ExitOk;
}

} // namespace

const char *workspaceUsage()
{
    return kUsage;
}

int runWorkspaceCommand(const Invocation &invocation)
{
    const QStringList &args = invocation.command;
    const QString action = args.value(1, QStringLiteral("info"));
    if (action == QLatin1String("info") && args.size() <= 2)
        return info(invocation);
    if (action == QLatin1String("get") && args.size() == 3)
        return get(invocation, args.at(2));
    if (action == QLatin1String("set") && args.size() == 4)
        return set(invocation, args.at(2), args.at(3));
    return usage(QStringLiteral("unexpected arguments"));
}

#include "app/dagscommand.h"

#include "app/commandline.h"
#include "app/schedulerrequests.h"
#include "core/pipeline/pipelineoperators.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/scheduler/builtinoperators.h"
#include "core/scheduler/dagbag.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/scheduler/schedulertypes.h"
#include "core/store/appstate.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/workspace.h"
#include "plugins/api/plugininfo.h"
#include "plugins/api/taskoperator.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimeZone>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

using namespace millrace;
using namespace millrace::scheduler;

namespace {

constexpr char kDagsUsage[] =
    "usage: millrace [--workspace DIR] dags list [--json] [--strict]\n"
    "       millrace [--workspace DIR] dags runs DAG [--limit N] [--state STATE] [--json]\n"
    "       millrace [--workspace DIR] dags trigger DAG [--conf JSON] [--run-id ID] [--wait S]\n"
    "       millrace [--workspace DIR] dags pause|unpause DAG [--wait S]\n"
    "       millrace [--workspace DIR] dags backfill DAG --from TIME --to TIME [--wait S]\n"
    "       millrace [--workspace DIR] dags clear DAG RUN_ID TASK [--downstream] [--wait S]\n"
    "list reads the DAG files in the workspace's dags/ folder and prints each DAG's schedule,\n"
    "pause flag, next and last run; files that do not load are printed on stderr as\n"
    "FILE:LINE:COLUMN: MESSAGE, and make the exit status 1 only with --strict.\n"
    "runs lists a DAG's runs, newest first (--limit, default 25). STATE is queued, running,\n"
    "success or failed. Times are UTC; TIME is ISO 8601 (2026-01-01 or 2026-01-01T06:00:00,\n"
    "UTC unless it has an offset). --conf is a JSON object laid over the DAG's params.\n"
    "While the app holds the workspace, trigger, pause, unpause, backfill and clear ask its\n"
    "scheduler and wait up to --wait seconds (default 10; 0: do not wait) for the outcome.\n"
    "Otherwise they change the workspace directly, and the scheduler runs what was triggered\n"
    "when the app next opens it.\n";

constexpr char kTasksUsage[] =
    "usage: millrace [--workspace DIR] tasks list DAG RUN_ID [--json]\n"
    "       millrace [--workspace DIR] tasks logs DAG RUN_ID TASK [--try N] [--follow]\n"
    "logs prints the log of the task's latest try (or try N) from the workspace's logs/\n"
    "folder; --follow keeps printing what is added until the task is finished, following\n"
    "its retries. Times are UTC.\n";

constexpr int kDefaultRunLimit = 25;
constexpr int kDefaultWaitSeconds = 10;

int usage(const char *command, const char *text, const QString &problem)
{
    QTextStream(stderr) << "millrace " << command << ": " << problem << "\n" << text;
    return ExitUsage;
}

int failure(const char *command, const QString &message)
{
    QTextStream(stderr) << "millrace " << command << ": " << message << "\n";
    return ExitFailure;
}

// One table row; a row whose last columns are empty ends without padding.
void printRow(QTextStream &out, const QString &row)
{
    qsizetype end = row.size();
    while (end > 0 && row.at(end - 1) == u' ')
        --end;
    out << QStringView(row).left(end) << "\n";
}

void printJson(const QJsonObject &object)
{
    QTextStream(stdout) << QJsonDocument(object).toJson(QJsonDocument::Indented);
}

QString databasePath(const QString &root)
{
    return QDir(root).filePath(QStringLiteral("millrace.db"));
}

Result<std::unique_ptr<Store>> openForReading(const QString &root)
{
    return Store::openReadOnly(databasePath(root), millraceMigrations(), kMillraceApplicationId);
}

// Scheduler times are UTC, as run ids and data intervals are; the tables say so in --help.
QString formatTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                          : QStringLiteral("-");
}

QJsonValue timeJson(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QString formatDuration(const QDateTime &start, const QDateTime &end)
{
    if (!start.isValid() || !end.isValid())
        return QStringLiteral("-");
    const qint64 ms = start.msecsTo(end);
    if (ms < 60 * 1000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QJsonValue durationJson(const QDateTime &start, const QDateTime &end)
{
    if (!start.isValid() || !end.isValid())
        return QJsonValue();
    return double(start.msecsTo(end)) / 1000.0;
}

// An ISO 8601 date or date and time; without an offset it is read as UTC, like every time the
// scheduler keeps.
std::optional<QDateTime> parseTime(const QString &text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid()) {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (date.isValid())
            time = QDateTime(date, QTime(0, 0), QTimeZone::utc());
    }
    if (!time.isValid())
        return std::nullopt;
    if (time.timeSpec() == Qt::LocalTime)
        time = QDateTime(time.date(), time.time(), QTimeZone::utc());
    return time.toUTC();
}

Result<QJsonObject> parseConf(const QString &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return fail(QStringLiteral("--conf is not valid JSON: %1 at character %2")
                        .arg(error.errorString())
                        .arg(error.offset + 1));
    if (!document.isObject())
        return fail(QStringLiteral("--conf must be a JSON object, such as '{\"key\": 1}', not "
                                   "an array"));
    return document.object();
}

// The operators DAG files may name, gathered as the app gathers them (the built-in noop, every
// task-operator plugin, then the pipeline's operators), so a DAG file reads here as the
// scheduler reads it.
struct Operators
{
    PluginManager plugins;
    NoopOperator noop;
    // What the pipeline's operators are built over. Here they are only asked for their parameter
    // schemas, never run; without the workspace to itself (a read, or the app holding it), the
    // command gives them a scratch workspace of their own, as they cannot be made without one.
    std::unique_ptr<QTemporaryDir> scratchDir;
    std::unique_ptr<Workspace> scratchWorkspace;
    std::unique_ptr<tracking::TrackingStore> tracking;
    std::unique_ptr<registry::RegistryStore> registry;
    std::unique_ptr<pipeline::PipelineOperators> pipeline;
    OperatorCatalog catalog;
};

Result<std::unique_ptr<Operators>> loadOperators(Workspace *held)
{
    auto operators = std::make_unique<Operators>();
    operators->plugins.load(PluginManager::defaultSearchPaths());
    operators->catalog.add(QStringLiteral("noop"), &operators->noop, QStringLiteral("built-in"));
    for (const PluginInfo &plugin : operators->plugins.plugins()) {
        if (plugin.kind != QLatin1String(plugins::kind::kTaskOperator))
            continue;
        if (auto *op = operators->plugins.find<plugins::TaskOperator>(plugin.id))
            operators->catalog.add(plugin.id, op, plugin.file);
    }

    Workspace *workspace = held;
    if (!workspace) {
        operators->scratchDir = std::make_unique<QTemporaryDir>();
        auto scratch = operators->scratchDir->isValid()
                           ? Workspace::open(operators->scratchDir->path())
                           : Result<std::unique_ptr<Workspace>>(
                               fail(QStringLiteral("cannot create a temporary folder")));
        if (!scratch)
            return fail(QStringLiteral("cannot set up the pipeline's operators to read the DAG "
                                       "files with: %1")
                            .arg(scratch.errorMessage()));
        operators->scratchWorkspace = std::move(scratch).value();
        workspace = operators->scratchWorkspace.get();
    }
    operators->tracking =
        std::make_unique<tracking::TrackingStore>(workspace->store(), workspace->artifactsDir());
    operators->registry = std::make_unique<registry::RegistryStore>(
        workspace->store(), *operators->tracking, workspace->modelsDir());
    operators->pipeline =
        std::make_unique<pipeline::PipelineOperators>(pipeline::PipelineEnvironment{
            *workspace, *operators->tracking, *operators->registry,
            training::pluginArchitectures(operators->plugins), operators->plugins,
            []() -> Result<streams::ClusterEndpoint> {
                return fail(QStringLiteral("the command line runs no pipeline task"));
            }});
    operators->pipeline->registerInto(operators->catalog);
    return operators;
}

bool readDemoSpeed(SQLite::Database &db)
{
    return appstate::get(db, SchedulerService::demoSpeedKey()).value_or(QString()) == u"on";
}

// The DAG files of a workspace, read.
struct Dags
{
    std::unique_ptr<Operators> operators;
    std::unique_ptr<DagBag> bag;

    QList<DagFileError> errors() const
    {
        QList<DagFileError> all;
        for (const auto &[file, fileErrors] : bag->errors())
            all.append(fileErrors);
        return all;
    }
};

// Reads the DAG files of the workspace at `root`; `held` is that workspace when this process
// holds it.
Result<Dags> readDags(const QString &root, Workspace *held = nullptr)
{
    auto operators = loadOperators(held);
    if (!operators)
        return operators.error();
    Dags dags;
    dags.operators = std::move(operators).value();
    dags.bag = std::make_unique<DagBag>(QDir(root).filePath(QStringLiteral("dags")),
                                        dags.operators->catalog);
    dags.bag->reload();
    return dags;
}

QString noSuchDag(const QString &dagId, const Dags &dags)
{
    QString message = QStringLiteral("there is no DAG \"%1\"").arg(dagId);
    if (!dags.bag->errors().empty())
        message += QStringLiteral(" (%1 file(s) in dags/ did not load: see millrace dags list)")
                       .arg(dags.bag->errors().size());
    return message;
}

QJsonObject runJson(const DagRunRecord &run)
{
    return QJsonObject{
        {QStringLiteral("dag_id"), run.dagId},
        {QStringLiteral("dag_run_id"), run.runId},
        {QStringLiteral("run_type"), toString(run.type)},
        {QStringLiteral("state"), toString(run.state)},
        {QStringLiteral("logical_date"), timeJson(run.logicalDate)},
        {QStringLiteral("data_interval_start"),
         run.interval ? timeJson(run.interval->start) : QJsonValue()},
        {QStringLiteral("data_interval_end"),
         run.interval ? timeJson(run.interval->end) : QJsonValue()},
        {QStringLiteral("queued_at"), timeJson(run.queuedAt)},
        {QStringLiteral("start_date"), timeJson(run.startedAt)},
        {QStringLiteral("end_date"), timeJson(run.endedAt)},
        {QStringLiteral("duration"), durationJson(run.startedAt, run.endedAt)},
        {QStringLiteral("conf"), run.conf},
        {QStringLiteral("note"), run.note},
    };
}

QJsonObject taskJson(const DagRunRecord &run, const TaskInstanceRecord &task)
{
    return QJsonObject{
        {QStringLiteral("dag_id"), run.dagId},
        {QStringLiteral("dag_run_id"), run.runId},
        {QStringLiteral("task_id"), task.taskId},
        {QStringLiteral("state"), toString(task.state)},
        {QStringLiteral("try_number"), task.tryNumber},
        {QStringLiteral("max_tries"), task.maxTries},
        {QStringLiteral("operator"), task.operatorId},
        {QStringLiteral("pool"), task.pool},
        {QStringLiteral("pool_slots"), task.poolSlots},
        {QStringLiteral("start_date"), timeJson(task.startedAt)},
        {QStringLiteral("end_date"), timeJson(task.endedAt)},
        {QStringLiteral("duration"), durationJson(task.startedAt, task.endedAt)},
        {QStringLiteral("next_try_at"), timeJson(task.nextTryAt)},
        {QStringLiteral("message"), task.message},
    };
}

QJsonObject errorJson(const DagFileError &error)
{
    return QJsonObject{{QStringLiteral("filename"), error.file},
                       {QStringLiteral("line"), error.line},
                       {QStringLiteral("column"), error.column},
                       {QStringLiteral("message"), error.message}};
}

// What `dags list` shows of the workspace's database.
struct ListState
{
    bool scheduledUpdatesPaused = false;
    bool demoSpeed = false;
    std::map<QString, bool> paused;
    QHash<QString, DagRunRecord> lastRuns;
    QHash<QString, std::optional<DataInterval>> lastIntervals;
    QHash<QString, int> activeRuns;
};

int listDags(const Invocation &invocation, bool json, bool strict)
{
    auto store = openForReading(invocation.workspace);
    if (!store)
        return failure("dags", store.errorMessage());
    auto read = readDags(invocation.workspace);
    if (!read)
        return failure("dags", read.errorMessage());
    const Dags &dags = *read;
    QStringList dagIds;
    for (const auto &[dagId, dag] : dags.bag->dags())
        dagIds.append(dagId);
    auto state = (*store)->read([&](SQLite::Database &db) {
        ListState read;
        read.scheduledUpdatesPaused =
            appstate::get(db, SchedulerSwitch::stateKey()).value_or(QString()) == u"paused";
        read.demoSpeed = readDemoSpeed(db);
        read.paused = schedulerdb::pausedFlags(db);
        read.lastRuns = schedulerdb::latestRunPerDag(db);
        for (const QString &dagId : dagIds) {
            const auto latest = schedulerdb::latestIntervalRun(db, dagId);
            read.lastIntervals.insert(dagId, latest ? latest->interval : std::nullopt);
        }
        for (const DagRunRecord &run : schedulerdb::activeRuns(db))
            read.activeRuns[run.dagId] += 1;
        return read;
    });
    if (!state)
        return failure("dags", state.errorMessage());

    const QDateTime now = QDateTime::currentDateTimeUtc();
    QTextStream out(stdout);
    QJsonArray array;
    if (!json)
        printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6")
                          .arg(QStringLiteral("DAG"), -24)
                          .arg(QStringLiteral("SCHEDULE"), -28)
                          .arg(QStringLiteral("PAUSED"), -6)
                          .arg(QStringLiteral("NEXT RUN"), -19)
                          .arg(QStringLiteral("LAST RUN"), -19)
                          .arg(QStringLiteral("LAST STATE")));
    for (const auto &[dagId, dag] : dags.bag->dags()) {
        // A DAG the scheduler has not seen yet starts as its file says.
        const auto flag = state->paused.find(dagId);
        const bool paused = flag != state->paused.end() ? flag->second : dag.pausedOnCreation;
        // When the next scheduled run is due, as the scheduler works it out: from the interval
        // of the latest scheduled or backfill run.
        const Timetable &schedule = effectiveSchedule(dag, state->demoSpeed);
        QDateTime nextRun;
        if (schedule.kind() != Timetable::Kind::Manual) {
            const auto next = schedule.nextInterval(state->lastIntervals.value(dagId),
                                                    dag.startDate, dag.catchup, now);
            if (next)
                nextRun = schedule.dueAt(*next);
        }
        const std::optional<DagRunRecord> last = state->lastRuns.contains(dagId)
                                                     ? std::optional(state->lastRuns.value(dagId))
                                                     : std::nullopt;
        const QDateTime lastAt =
            last ? (last->startedAt.isValid() ? last->startedAt : last->queuedAt) : QDateTime();
        if (json) {
            array.append(QJsonObject{
                {QStringLiteral("dag_id"), dagId},
                {QStringLiteral("description"), dag.description},
                {QStringLiteral("fileloc"), dag.file},
                {QStringLiteral("tags"), QJsonArray::fromStringList(dag.tags)},
                {QStringLiteral("schedule"), schedule.text()},
                {QStringLiteral("schedule_description"), schedule.describe()},
                {QStringLiteral("is_paused"), paused},
                {QStringLiteral("next_dagrun"), timeJson(nextRun)},
                {QStringLiteral("last_run"), last ? QJsonValue(runJson(*last)) : QJsonValue()},
                {QStringLiteral("active_runs"), state->activeRuns.value(dagId)},
            });
            continue;
        }
        printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6")
                          .arg(dagId, -24)
                          .arg(schedule.describe(), -28)
                          .arg(paused ? QStringLiteral("yes") : QStringLiteral("no"), -6)
                          .arg(formatTime(nextRun), -19)
                          .arg(formatTime(lastAt), -19)
                          .arg(last ? toString(last->state) : QStringLiteral("-")));
    }
    const QList<DagFileError> errors = dags.errors();
    if (json) {
        QJsonArray errorArray;
        for (const DagFileError &error : errors)
            errorArray.append(errorJson(error));
        printJson(
            {{QStringLiteral("dags"), array},
             {QStringLiteral("import_errors"), errorArray},
             {QStringLiteral("scheduled_updates"),
              state->scheduledUpdatesPaused ? QStringLiteral("paused") : QStringLiteral("running")},
             {QStringLiteral("demo_speed"), state->demoSpeed}});
    }
    out.flush();
    QTextStream err(stderr);
    for (const DagFileError &error : errors)
        err << error.toString() << "\n";
    if (state->scheduledUpdatesPaused && !json)
        err << "millrace dags: scheduled updates are paused for the whole workspace (the app's "
               "Start/Pause switch): no scheduled or event run starts until they are started "
               "again\n";
    return strict && !errors.isEmpty() ? ExitFailure : ExitOk;
}

// Whether anything is known of `dagId` besides its file: the scheduler keeps a pause flag for
// every DAG it has seen, and runs outlive their DAG's file.
Result<bool> databaseKnowsDag(Store &store, const QString &dagId)
{
    return store.read([&](SQLite::Database &db) {
        return schedulerdb::pausedFlags(db).count(dagId) > 0
               || !schedulerdb::runs(db, dagId, 1).isEmpty();
    });
}

int listRuns(const Invocation &invocation, const QString &dagId, int limit,
             std::optional<RunState> stateFilter, bool json)
{
    auto store = openForReading(invocation.workspace);
    if (!store)
        return failure("dags", store.errorMessage());
    auto known = databaseKnowsDag(**store, dagId);
    if (!known)
        return failure("dags", known.errorMessage());
    if (!*known) {
        // Only read the DAG files (and load the plugins their operators come from) when the
        // database has never heard of the DAG.
        auto dags = readDags(invocation.workspace);
        if (!dags)
            return failure("dags", dags.errorMessage());
        if (!dags->bag->dag(dagId))
            return failure("dags", noSuchDag(dagId, *dags));
    }
    // A filter by state reads every run of the DAG; SQLite reads -1 as "no limit".
    auto runs = (*store)->read([&](SQLite::Database &db) {
        return schedulerdb::runs(db, dagId, stateFilter ? -1 : limit);
    });
    if (!runs)
        return failure("dags", runs.errorMessage());
    QList<DagRunRecord> shown;
    for (const DagRunRecord &run : *runs) {
        if (shown.size() < limit && (!stateFilter || run.state == *stateFilter))
            shown.append(run);
    }
    if (json) {
        QJsonArray array;
        for (const DagRunRecord &run : shown)
            array.append(runJson(run));
        printJson({{QStringLiteral("dag_runs"), array},
                   {QStringLiteral("total_entries"), qint64(shown.size())}});
        return ExitOk;
    }
    QTextStream out(stdout);
    printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8")
                      .arg(QStringLiteral("RUN ID"), -38)
                      .arg(QStringLiteral("TYPE"), -9)
                      .arg(QStringLiteral("STATE"), -7)
                      .arg(QStringLiteral("LOGICAL DATE"), -19)
                      .arg(QStringLiteral("START"), -19)
                      .arg(QStringLiteral("END"), -19)
                      .arg(QStringLiteral("DURATION"), -11)
                      .arg(QStringLiteral("NOTE")));
    for (const DagRunRecord &run : shown)
        printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8")
                          .arg(run.runId, -38)
                          .arg(toString(run.type), -9)
                          .arg(toString(run.state), -7)
                          .arg(formatTime(run.logicalDate), -19)
                          .arg(formatTime(run.startedAt), -19)
                          .arg(formatTime(run.endedAt), -19)
                          .arg(formatDuration(run.startedAt, run.endedAt), -11)
                          .arg(run.note));
    return ExitOk;
}

// ---- Changes: through the running app's scheduler, or straight into the workspace.

// One action of the scheduler, spelled as a row of scheduler_requests.
using Change = SchedulerRequest;

// The line that tells the user what an applied change did; `outcome` is what the scheduler
// writes back for it.
QString describeOutcome(const Change &change, const QJsonObject &outcome)
{
    const QString &action = change.action;
    if (action == QLatin1String("trigger"))
        return QStringLiteral("triggered %1 run %2")
            .arg(change.dagId, outcome.value(QStringLiteral("run_id")).toString());
    if (action == QLatin1String("pause") || action == QLatin1String("unpause"))
        return QStringLiteral("%1 %2").arg(outcome.value(QStringLiteral("paused")).toBool()
                                               ? QStringLiteral("paused")
                                               : QStringLiteral("unpaused"),
                                           change.dagId);
    if (action == QLatin1String("backfill")) {
        QStringList ids;
        for (const QJsonValue &id : outcome.value(QStringLiteral("run_ids")).toArray())
            ids.append(id.toString());
        if (ids.isEmpty())
            return QStringLiteral("backfill of %1: every interval has its run already")
                .arg(change.dagId);
        return QStringLiteral("backfill of %1 created %2 run(s): %3")
            .arg(change.dagId)
            .arg(ids.size())
            .arg(ids.join(QStringLiteral(", ")));
    }
    QStringList cleared;
    for (const QJsonValue &id : outcome.value(QStringLiteral("cleared")).toArray())
        cleared.append(id.toString());
    return QStringLiteral("cleared %1 in %2 run %3")
        .arg(cleared.join(QStringLiteral(", ")), change.dagId,
             outcome.value(QStringLiteral("run_id")).toString());
}

// Asks the scheduler of the app holding the workspace: a row in scheduler_requests, which its
// loop applies once and answers in the same row. SQLite's busy timeout lets this process write
// while the app does.
int askTheApp(const QString &root, const Change &change, int waitSeconds)
{
    auto store = openForSchedulerRequests(root);
    if (!store)
        return failure("dags", store.errorMessage());
    const QueuedSchedulerRequest request = queueSchedulerRequest(**store, change);
    const Result<void> queued = request.written.result();
    const auto requestId = request.id;
    if (!queued)
        return failure("dags", queued.errorMessage());
    if (waitSeconds == 0) {
        QTextStream(stdout) << "asked the app's scheduler to " << change.action << " "
                            << change.dagId << " (request " << *requestId << ")\n";
        return ExitOk;
    }

    const qint64 id = *requestId;
    const Result<std::optional<QJsonObject>> answer =
        awaitSchedulerRequest(**store, id, waitSeconds);
    if (!answer)
        return failure("dags", answer.errorMessage());
    if (*answer) {
        QTextStream(stdout) << describeOutcome(change, **answer) << "\n";
        return ExitOk;
    }
    return failure("dags",
                   QStringLiteral("the request is queued (request %1), but the app holding the "
                                  "workspace has not picked it up within %2 s: is its scheduler "
                                  "running? It applies the request when it does.")
                       .arg(id)
                       .arg(waitSeconds));
}

// Runs `write` through the store's writer and waits for its commit.
Result<void> writeNow(Store &store, Store::WriteFunction write)
{
    return store.write(std::move(write)).result();
}

// The changes below do, for a workspace nobody runs, what SchedulerService's apply* functions
// do in the app; they must keep to the same rules and outcomes.

Result<QJsonObject> triggerHere(Store &store, const DagSpec &dag, const QJsonObject &conf,
                                const QString &requestedRunId)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    DagRunRecord run;
    run.dagId = dag.id;
    run.runId = requestedRunId.isEmpty() ? manualRunId(now) : requestedRunId;
    run.type = RunType::Manual;
    run.state = RunState::Queued;
    run.logicalDate = now;
    run.conf = runConfig(dag.defaultConfig, conf);
    run.queuedAt = now;
    // The row is taken in the write itself: the writer is the only one adding runs now.
    Result<void> written = writeNow(store, [run](SQLite::Database &db) mutable {
        if (schedulerdb::run(db, run.dagId, run.runId))
            throw std::runtime_error(QStringLiteral("%1 already has a run \"%2\"")
                                         .arg(run.dagId, run.runId)
                                         .toStdString());
        run.row = schedulerdb::maxRunRow(db) + 1;
        schedulerdb::insertRun(db, run);
    });
    if (!written)
        return written.error();
    return QJsonObject{{QStringLiteral("dag_id"), dag.id}, {QStringLiteral("run_id"), run.runId}};
}

Result<QJsonObject> pauseHere(Store &store, const DagSpec &dag, bool paused)
{
    const QString dagId = dag.id;
    Result<void> written = writeNow(store, [dagId, paused](SQLite::Database &db) {
        schedulerdb::setPaused(db, dagId, paused);
    });
    if (!written)
        return written.error();
    return QJsonObject{{QStringLiteral("dag_id"), dagId}, {QStringLiteral("paused"), paused}};
}

Result<QJsonObject> backfillHere(Store &store, const DagSpec &dag, const QDateTime &from,
                                 const QDateTime &to)
{
    auto demoSpeed = store.read([](SQLite::Database &db) { return readDemoSpeed(db); });
    if (!demoSpeed)
        return demoSpeed.error();
    const QList<DataInterval> intervals =
        effectiveSchedule(dag, *demoSpeed).intervalsBetween(from, to);
    if (intervals.isEmpty())
        return fail(QStringLiteral("%1 has no whole data interval between %2 and %3")
                        .arg(dag.id, isoSeconds(from), isoSeconds(to)));
    const QString dagId = dag.id;
    const QJsonObject conf = dag.defaultConfig;
    auto created = std::make_shared<QStringList>();
    Result<void> written = writeNow(store, [dagId, conf, intervals, created](SQLite::Database &db) {
        // An interval that has a scheduled or backfill run already keeps it.
        QSet<qint64> covered;
        for (const DagRunRecord &run : schedulerdb::runs(db, dagId, -1)) {
            if (run.type == RunType::Scheduled || run.type == RunType::Backfill)
                covered.insert(run.logicalDate.toMSecsSinceEpoch());
        }
        qint64 row = schedulerdb::maxRunRow(db);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const DataInterval &interval : intervals) {
            if (covered.contains(interval.start.toMSecsSinceEpoch()))
                continue;
            DagRunRecord run;
            run.row = ++row;
            run.dagId = dagId;
            run.runId = QStringLiteral("backfill__") + isoSeconds(interval.start);
            run.type = RunType::Backfill;
            run.state = RunState::Queued;
            run.logicalDate = interval.start.toUTC();
            run.interval = interval;
            run.conf = conf;
            run.queuedAt = now;
            schedulerdb::insertRun(db, run);
            created->append(run.runId);
        }
    });
    if (!written)
        return written.error();
    return QJsonObject{{QStringLiteral("dag_id"), dagId},
                       {QStringLiteral("run_ids"), QJsonArray::fromStringList(*created)}};
}

Result<QJsonObject> clearHere(Store &store, const DagSpec &dag, const QString &runId,
                              const QString &taskId, bool downstream)
{
    if (!dag.task(taskId))
        return fail(QStringLiteral("cannot clear %1: no such task in a loaded DAG").arg(taskId));
    QStringList toClear{taskId};
    for (int i = 0; downstream && i < toClear.size(); ++i) {
        for (const QString &next : dag.downstream(toClear[i])) {
            if (!toClear.contains(next))
                toClear.append(next);
        }
    }
    std::map<QString, int> retries;
    for (const QString &id : toClear)
        retries[id] = dag.task(id)->retry.retries;
    const QString dagId = dag.id;
    Result<void> written = writeNow(store, [dagId, runId, toClear, retries](SQLite::Database &db) {
        std::optional<DagRunRecord> run = schedulerdb::run(db, dagId, runId);
        if (!run)
            throw std::runtime_error(
                QStringLiteral("%1 has no run \"%2\"").arg(dagId, runId).toStdString());
        for (TaskInstanceRecord task : schedulerdb::taskInstances(db, run->row)) {
            if (!toClear.contains(task.taskId))
                continue;
            // Like Airflow's clear (and the scheduler's): the tries so far stay, and the
            // task gets its retries anew on top of them.
            task.state = TaskState::None;
            task.maxTries = task.tryNumber + 1 + retries.at(task.taskId);
            task.endedAt = QDateTime();
            task.nextTryAt = QDateTime();
            task.message = QStringLiteral("cleared");
            schedulerdb::clearResult(db, run->row, task.taskId);
            schedulerdb::saveTaskInstance(db, task);
        }
        if (isFinished(run->state)) {
            // The scheduler decides the run again when it next runs.
            run->state = RunState::Queued;
            run->endedAt = QDateTime();
            run->note = QString();
            schedulerdb::updateRun(db, *run);
        }
    });
    if (!written)
        return written.error();
    return QJsonObject{{QStringLiteral("run_id"), runId},
                       {QStringLiteral("cleared"), QJsonArray::fromStringList(toClear)}};
}

// Applies `change` to a workspace this process holds.
int applyHere(Workspace &workspace, const Change &change)
{
    auto dags = readDags(workspace.root(), &workspace);
    if (!dags)
        return failure("dags", dags.errorMessage());
    const DagSpec *dag = dags->bag->dag(change.dagId);
    if (!dag)
        return failure("dags", noSuchDag(change.dagId, *dags));
    Store &store = workspace.store();
    const QString &action = change.action;
    const QJsonObject &payload = change.payload;
    Result<QJsonObject> outcome = fail(QStringLiteral("unknown action"));
    if (action == QLatin1String("trigger"))
        outcome = triggerHere(store, *dag, payload.value(QStringLiteral("conf")).toObject(),
                              payload.value(QStringLiteral("run_id")).toString());
    else if (action == QLatin1String("pause") || action == QLatin1String("unpause"))
        outcome = pauseHere(store, *dag, action == QLatin1String("pause"));
    else if (action == QLatin1String("backfill"))
        outcome =
            backfillHere(store, *dag, *parseTime(payload.value(QStringLiteral("from")).toString()),
                         *parseTime(payload.value(QStringLiteral("to")).toString()));
    else if (action == QLatin1String("clear"))
        outcome = clearHere(store, *dag, payload.value(QStringLiteral("run_id")).toString(),
                            payload.value(QStringLiteral("task_id")).toString(),
                            payload.value(QStringLiteral("downstream")).toBool());
    if (!outcome)
        return failure("dags", outcome.errorMessage());
    QTextStream out(stdout);
    out << describeOutcome(change, *outcome);
    if (action == QLatin1String("trigger") || action == QLatin1String("backfill")
        || action == QLatin1String("clear"))
        out << " (queued until the app next opens the workspace)";
    out << "\n";
    return ExitOk;
}

int applyChange(const QString &root, const Change &change, int waitSeconds)
{
    if (!Workspace::inspect(root).holder.isEmpty())
        return askTheApp(root, change, waitSeconds);
    // Not Workspace::open's creating a workspace for a change that has nothing to act on.
    if (!QFileInfo(databasePath(root)).isFile())
        return failure("dags", QStringLiteral("no workspace at %1").arg(QDir(root).absolutePath()));
    auto workspace = Workspace::open(root);
    if (!workspace) {
        // The app may have opened the workspace since it was looked at.
        if (!Workspace::inspect(root).holder.isEmpty())
            return askTheApp(root, change, waitSeconds);
        return failure("dags", workspace.errorMessage());
    }
    return applyHere(**workspace, change);
}

// ---- Tasks.

// Finds a run by its DAG and run id.
Result<DagRunRecord> findRun(Store &store, const QString &dagId, const QString &runId)
{
    auto run = store.read([&](SQLite::Database &db) { return schedulerdb::run(db, dagId, runId); });
    if (!run)
        return run.error();
    if (!*run)
        return fail(QStringLiteral("%1 has no run \"%2\"").arg(dagId, runId));
    return **run;
}

int listTasks(Store &store, const DagRunRecord &run, bool json)
{
    QHash<QString, QJsonValue> results;
    auto tasks = store.read([&](SQLite::Database &db) {
        results = schedulerdb::results(db, run.row);
        return schedulerdb::taskInstances(db, run.row);
    });
    if (!tasks)
        return failure("tasks", tasks.errorMessage());
    // In the order they ran; those that have not run yet after them, by id.
    std::stable_sort(tasks->begin(), tasks->end(),
                     [](const TaskInstanceRecord &a, const TaskInstanceRecord &b) {
                         if (a.startedAt.isValid() != b.startedAt.isValid())
                             return a.startedAt.isValid();
                         if (a.startedAt != b.startedAt)
                             return a.startedAt < b.startedAt;
                         return a.taskId < b.taskId;
                     });
    if (json) {
        QJsonArray array;
        for (const TaskInstanceRecord &task : *tasks) {
            // The task's result (its XCom return_value), as downstream tasks read it.
            QJsonObject object = taskJson(run, task);
            object.insert(QStringLiteral("result"), results.value(task.taskId, QJsonValue()));
            array.append(object);
        }
        printJson({{QStringLiteral("task_instances"), array},
                   {QStringLiteral("total_entries"), qint64(tasks->size())}});
        return ExitOk;
    }
    QTextStream out(stdout);
    printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6  %7")
                      .arg(QStringLiteral("TASK"), -24)
                      .arg(QStringLiteral("STATE"), -15)
                      .arg(QStringLiteral("TRY"), -5)
                      .arg(QStringLiteral("OPERATOR"), -20)
                      .arg(QStringLiteral("START"), -19)
                      .arg(QStringLiteral("END"), -19)
                      .arg(QStringLiteral("MESSAGE")));
    for (const TaskInstanceRecord &task : *tasks)
        printRow(out, QStringLiteral("%1  %2  %3  %4  %5  %6  %7")
                          .arg(task.taskId, -24)
                          .arg(toString(task.state), -15)
                          .arg(QStringLiteral("%1/%2").arg(task.tryNumber).arg(task.maxTries), -5)
                          .arg(task.operatorId, -20)
                          .arg(formatTime(task.startedAt), -19)
                          .arg(formatTime(task.endedAt), -19)
                          .arg(task.message));
    if (tasks->isEmpty())
        QTextStream(stderr) << "millrace tasks: " << run.runId << " is " << toString(run.state)
                            << "; its task instances appear once the scheduler starts it\n";
    return ExitOk;
}

// What a run's task instances say of one task: nothing when the run has no instance of it.
Result<std::optional<TaskInstanceRecord>> readTask(Store &store, qint64 runRow,
                                                   const QString &taskId, int *instanceCount)
{
    return store.read([&](SQLite::Database &db) -> std::optional<TaskInstanceRecord> {
        const QList<TaskInstanceRecord> tasks = schedulerdb::taskInstances(db, runRow);
        if (instanceCount)
            *instanceCount = int(tasks.size());
        for (const TaskInstanceRecord &task : tasks) {
            if (task.taskId == taskId)
                return task;
        }
        return std::nullopt;
    });
}

// Copies what `path` has beyond `offset` to stdout; a file not there yet has nothing.
void copyNewBytes(const QString &path, qint64 &offset)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() <= offset)
        return;
    file.seek(offset);
    const QByteArray bytes = file.readAll();
    offset += bytes.size();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

// Tails the log of `taskId`'s try `fixedTry` (or of its latest try, moving on to each retry)
// until that try is over or the task is finished. Polls the database and the file: the task's
// state says when its log is complete, since the scheduler writes the try's last log line
// before it saves the new state.
int followLog(Store &store, const QString &logsDir, const DagRunRecord &run, const QString &taskId,
              std::optional<int> fixedTry)
{
    int shownTry = 0;
    qint64 offset = 0;
    bool saidWaiting = false;
    const auto pathOf = [&](int tryNumber) {
        return QDir(logsDir).filePath(taskLogRelativePath(run.dagId, run.runId, taskId, tryNumber));
    };
    for (;;) {
        int instances = 0;
        auto task = readTask(store, run.row, taskId, &instances);
        if (!task)
            return failure("tasks", task.errorMessage());
        if (!*task && instances > 0)
            return failure(
                "tasks",
                QStringLiteral("%1 run %2 has no task \"%3\"").arg(run.dagId, run.runId, taskId));
        const int latest = *task ? (*task)->tryNumber : 0;
        // A given try is shown once it has started; else the latest, whichever that is now.
        const int wanted = fixedTry ? (latest >= *fixedTry ? *fixedTry : 0) : latest;
        if (wanted > shownTry) {
            if (shownTry > 0)
                copyNewBytes(pathOf(shownTry), offset);
            shownTry = wanted;
            offset = 0;
        }
        if (shownTry == 0 && !saidWaiting) {
            QTextStream(stderr) << "millrace tasks: waiting for " << taskId << " to start\n";
            saidWaiting = true;
        }
        if (shownTry > 0)
            copyNewBytes(pathOf(shownTry), offset);
        if (*task) {
            const TaskInstanceRecord &instance = **task;
            const bool tryOver = fixedTry && shownTry == *fixedTry
                                 && (latest > *fixedTry || instance.state != TaskState::Running);
            if (isFinished(instance.state) && shownTry == 0 && fixedTry)
                return failure("tasks", QStringLiteral("%1 is %2 and has no try %3")
                                            .arg(taskId, toString(instance.state))
                                            .arg(*fixedTry));
            if (isFinished(instance.state) || tryOver) {
                if (!fixedTry)
                    QTextStream(stderr) << "millrace tasks: " << taskId << " is "
                                        << toString(instance.state) << "\n";
                return ExitOk;
            }
        }
        QThread::msleep(200);
    }
}

int showLog(Store &store, const QString &root, const DagRunRecord &run, const QString &taskId,
            std::optional<int> tryNumber, bool follow)
{
    const QString logsDir = QDir(root).filePath(QStringLiteral("logs"));
    if (follow)
        return followLog(store, logsDir, run, taskId, tryNumber);
    int instances = 0;
    auto task = readTask(store, run.row, taskId, &instances);
    if (!task)
        return failure("tasks", task.errorMessage());
    if (!*task)
        return failure(
            "tasks",
            instances == 0
                ? QStringLiteral("%1 run %2 has not started yet (it is %3)")
                      .arg(run.dagId, run.runId, toString(run.state))
                : QStringLiteral("%1 run %2 has no task \"%3\"").arg(run.dagId, run.runId, taskId));
    const int latest = (*task)->tryNumber;
    if (latest == 0)
        return failure("tasks", QStringLiteral("%1 has not run yet in %2 (it is %3)")
                                    .arg(taskId, run.runId, toString((*task)->state)));
    const int wanted = tryNumber.value_or(latest);
    if (wanted > latest)
        return failure("tasks", QStringLiteral("%1 has run %2 tr%3 so far in %4")
                                    .arg(taskId)
                                    .arg(latest)
                                    .arg(latest == 1 ? QStringLiteral("y") : QStringLiteral("ies"))
                                    .arg(run.runId));
    const QString path =
        QDir(logsDir).filePath(taskLogRelativePath(run.dagId, run.runId, taskId, wanted));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure("tasks", QStringLiteral("cannot read the log of try %1 of %2 (%3): %4")
                                    .arg(wanted)
                                    .arg(taskId, path, file.errorString()));
    const QByteArray bytes = file.readAll();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    return ExitOk;
}

} // namespace

const char *dagsUsage()
{
    return kDagsUsage;
}

const char *tasksUsage()
{
    return kTasksUsage;
}

int runDagsCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    const QString action = args.value(1);
    static const QStringList actions = {QStringLiteral("list"),    QStringLiteral("runs"),
                                        QStringLiteral("trigger"), QStringLiteral("pause"),
                                        QStringLiteral("unpause"), QStringLiteral("backfill"),
                                        QStringLiteral("clear")};
    if (!actions.contains(action))
        return usage("dags", kDagsUsage,
                     action.isEmpty() ? QStringLiteral("which dags command?")
                                      : QStringLiteral("unknown dags command \"%1\"").arg(action));

    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QString()});
    parser.addOption({QStringLiteral("strict"), QString()});
    parser.addOption({QStringLiteral("limit"), QString(), QStringLiteral("n")});
    parser.addOption({QStringLiteral("state"), QString(), QStringLiteral("state")});
    parser.addOption({QStringLiteral("conf"), QString(), QStringLiteral("json")});
    parser.addOption({QStringLiteral("run-id"), QString(), QStringLiteral("id")});
    parser.addOption({QStringLiteral("wait"), QString(), QStringLiteral("seconds")});
    parser.addOption({QStringLiteral("from"), QString(), QStringLiteral("time")});
    parser.addOption({QStringLiteral("to"), QString(), QStringLiteral("time")});
    parser.addOption({QStringLiteral("downstream"), QString()});
    if (!parser.parse(QStringList{QStringLiteral("millrace-dags")} + args.mid(2)))
        return usage("dags", kDagsUsage, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    const bool json = parser.isSet(QStringLiteral("json"));

    if (action == QLatin1String("list")) {
        if (!positional.isEmpty())
            return usage("dags", kDagsUsage, QStringLiteral("list takes no arguments"));
        return listDags(invocation, json, parser.isSet(QStringLiteral("strict")));
    }
    if (action == QLatin1String("runs")) {
        if (positional.size() != 1)
            return usage("dags", kDagsUsage, QStringLiteral("runs takes one DAG id"));
        int limit = kDefaultRunLimit;
        if (parser.isSet(QStringLiteral("limit"))) {
            bool ok = false;
            limit = parser.value(QStringLiteral("limit")).toInt(&ok);
            if (!ok || limit <= 0)
                return usage("dags", kDagsUsage, QStringLiteral("--limit takes a positive number"));
        }
        std::optional<RunState> state;
        if (parser.isSet(QStringLiteral("state"))) {
            state = runStateFromString(parser.value(QStringLiteral("state")));
            if (!state)
                return usage("dags", kDagsUsage,
                             QStringLiteral("\"%1\" is not a run state (queued, running, success, "
                                            "failed)")
                                 .arg(parser.value(QStringLiteral("state"))));
        }
        return listRuns(invocation, positional.first(), limit, state, json);
    }

    // The rest change something.
    int waitSeconds = kDefaultWaitSeconds;
    if (parser.isSet(QStringLiteral("wait"))) {
        bool ok = false;
        waitSeconds = parser.value(QStringLiteral("wait")).toInt(&ok);
        if (!ok || waitSeconds < 0)
            return usage("dags", kDagsUsage,
                         QStringLiteral("--wait takes a number of seconds (0: do not wait)"));
    }
    Change change{action, positional.value(0), QJsonObject()};
    if (action == QLatin1String("trigger")) {
        if (positional.size() != 1)
            return usage("dags", kDagsUsage, QStringLiteral("trigger takes one DAG id"));
        QJsonObject conf;
        if (parser.isSet(QStringLiteral("conf"))) {
            Result<QJsonObject> parsed = parseConf(parser.value(QStringLiteral("conf")));
            if (!parsed)
                return usage("dags", kDagsUsage, parsed.errorMessage());
            conf = *parsed;
        }
        const QString runId = parser.value(QStringLiteral("run-id"));
        if (parser.isSet(QStringLiteral("run-id")) && !isValidRunId(runId))
            return usage("dags", kDagsUsage,
                         QStringLiteral("\"%1\" is not a valid run id (letters, digits and _-.:+ "
                                        "only)")
                             .arg(runId));
        change.payload = QJsonObject{{QStringLiteral("conf"), conf}};
        if (!runId.isEmpty())
            change.payload.insert(QStringLiteral("run_id"), runId);
    } else if (action == QLatin1String("pause") || action == QLatin1String("unpause")) {
        if (positional.size() != 1)
            return usage("dags", kDagsUsage, QStringLiteral("%1 takes one DAG id").arg(action));
    } else if (action == QLatin1String("backfill")) {
        if (positional.size() != 1)
            return usage("dags", kDagsUsage, QStringLiteral("backfill takes one DAG id"));
        const auto from = parseTime(parser.value(QStringLiteral("from")));
        const auto to = parseTime(parser.value(QStringLiteral("to")));
        if (!from || !to)
            return usage("dags", kDagsUsage,
                         QStringLiteral("backfill takes --from and --to as ISO 8601 times"));
        if (*from >= *to)
            return usage("dags", kDagsUsage, QStringLiteral("--from must come before --to"));
        change.payload = QJsonObject{{QStringLiteral("from"), from->toString(Qt::ISODate)},
                                     {QStringLiteral("to"), to->toString(Qt::ISODate)}};
    } else { // clear
        if (positional.size() != 3)
            return usage("dags", kDagsUsage,
                         QStringLiteral("clear takes a DAG id, a run id and a task id"));
        change.payload =
            QJsonObject{{QStringLiteral("run_id"), positional.at(1)},
                        {QStringLiteral("task_id"), positional.at(2)},
                        {QStringLiteral("downstream"), parser.isSet(QStringLiteral("downstream"))}};
    }
    return applyChange(invocation.workspace, change, waitSeconds);
}

int runTasksCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    const QString action = args.value(1);
    if (action != QLatin1String("list") && action != QLatin1String("logs"))
        return usage("tasks", kTasksUsage,
                     action.isEmpty() ? QStringLiteral("which tasks command?")
                                      : QStringLiteral("unknown tasks command \"%1\"").arg(action));
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QString()});
    parser.addOption({QStringLiteral("try"), QString(), QStringLiteral("n")});
    parser.addOption({QStringLiteral("follow"), QString()});
    if (!parser.parse(QStringList{QStringLiteral("millrace-tasks")} + args.mid(2)))
        return usage("tasks", kTasksUsage, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    const bool logs = action == QLatin1String("logs");
    if (positional.size() != (logs ? 3 : 2))
        return usage("tasks", kTasksUsage,
                     logs ? QStringLiteral("logs takes a DAG id, a run id and a task id")
                          : QStringLiteral("list takes a DAG id and a run id"));
    std::optional<int> tryNumber;
    if (parser.isSet(QStringLiteral("try"))) {
        bool ok = false;
        tryNumber = parser.value(QStringLiteral("try")).toInt(&ok);
        if (!ok || *tryNumber < 1)
            return usage("tasks", kTasksUsage,
                         QStringLiteral("--try takes a try number (1, 2, ...)"));
    }

    auto store = openForReading(invocation.workspace);
    if (!store)
        return failure("tasks", store.errorMessage());
    auto run = findRun(**store, positional.at(0), positional.at(1));
    if (!run)
        return failure("tasks", run.errorMessage());
    if (!logs)
        return listTasks(**store, *run, parser.isSet(QStringLiteral("json")));
    return showLog(**store, invocation.workspace, *run, positional.at(2), tryNumber,
                   parser.isSet(QStringLiteral("follow")));
}

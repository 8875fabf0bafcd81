// `millrace dags` and `millrace tasks` as scripts use them: against a workspace nobody holds
// (changes go straight into it) and against one whose scheduler runs in this process (changes
// go through scheduler_requests), with runs, task states and logs made by really running DAGs
// of shell and noop tasks.

#include "schedulercli.h"

#include "core/base/servicethread.h"
#include "core/scheduler/builtinoperators.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/workspace/workspace.h"
#include "plugins/api/taskoperator.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPluginLoader>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// A DAG nobody schedules before 2100, so only the test's triggers make runs. Its say task
// echoes the run's conf through the shell; done joins after it.
const QString kHelloDag = uR"(description: says hello
schedule: "@daily"
start_date: 2100-01-01
params: {greeting: hello, times: 1}
tasks:
  - id: say
    operator: shell
    params: {command: "echo '{{ conf.greeting }} from millrace'"}
  - id: done
    operator: noop
    upstream: [say]
)"_s;

// Never seen by a scheduler, so `dags list` shows the flag its file asks for.
const QString kQuietDag = uR"(schedule: none
paused_on_creation: true
tasks:
  - {id: only, operator: noop}
)"_s;

// The operator on line 4 does not exist.
const QString kBrokenDag = uR"(schedule: none
tasks:
  - id: first
    operator: no_such_operator
)"_s;

// Takes about a second and logs as it goes, for --follow.
const QString kSlowDag = uR"(schedule: none
tasks:
  - id: count
    operator: shell
    params: {command: "for i in 1 2 3 4; do echo count $i; sleep 0.25; done"}
)"_s;

} // namespace

class TestDagsCommands : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void listShowsDagsAndBrokenFiles();
    void readsTheShippedPipeline();
    void changesWithoutTheAppGoStraightIn();
    void refusesBadRequests_data();
    void refusesBadRequests();
    void runningSchedulerAppliesRequests();
    void logsFollowATaskUntilItIsFinished();

private:
    using Outcome = schedulercli::Outcome;
    Outcome run(const QStringList &arguments)
    {
        return schedulercli::run(m_binary, m_dir->path(), arguments);
    }
    QJsonObject runJson(const QStringList &arguments);
    void writeDag(const QString &name, const QString &yaml);
    void startScheduler();
    void stopScheduler();
    std::optional<DagRunRecord> storedRun(const QString &dagId, const QString &runId);
    QList<DagRunRecord> storedRuns(const QString &dagId);
    std::optional<bool> storedPauseFlag(const QString &dagId);

    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QPluginLoader> m_shellPlugin;
    NoopOperator m_noop;
    OperatorCatalog m_catalog;
    schedulercli::HeldWorkspace m_held;
};

void TestDagsCommands::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    m_shellPlugin = std::make_unique<QPluginLoader>(QStringLiteral(MILLRACE_SHELL_PLUGIN));
    auto *shell = qobject_cast<plugins::TaskOperator *>(m_shellPlugin->instance());
    QVERIFY2(shell, qPrintable(m_shellPlugin->errorString()));
    // The same operators the CLI finds: the built-in noop and the shell plugin.
    m_catalog.add(u"noop"_s, &m_noop, u"built-in"_s);
    m_catalog.add(u"shell"_s, shell, u"plugin"_s);
}

void TestDagsCommands::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // A workspace as the app leaves it: its database and folders, nobody holding it.
    auto workspace = Workspace::open(m_dir->path());
    QVERIFY2(workspace, qPrintable(workspace.errorMessage()));
    workspace->reset();
    writeDag(u"hello"_s, kHelloDag);
}

void TestDagsCommands::cleanup()
{
    stopScheduler();
    m_dir.reset();
}

QJsonObject TestDagsCommands::runJson(const QStringList &arguments)
{
    const Outcome outcome = run(arguments + QStringList{u"--json"_s});
    if (outcome.exitCode != 0)
        qWarning().noquote() << arguments.join(u' ') << "failed:" << outcome.err;
    return QJsonDocument::fromJson(outcome.out.toUtf8()).object();
}

void TestDagsCommands::writeDag(const QString &name, const QString &yaml)
{
    QFile file(m_dir->filePath(u"dags/"_s + name + u".yaml"_s));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(yaml.toUtf8());
}

void TestDagsCommands::startScheduler()
{
    m_held.start(m_dir->path(), m_catalog);
}

void TestDagsCommands::stopScheduler()
{
    m_held.stop();
}

std::optional<DagRunRecord> TestDagsCommands::storedRun(const QString &dagId, const QString &runId)
{
    auto store = Store::openReadOnly(m_dir->filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store)
        return std::nullopt;
    auto run =
        (*store)->read([&](SQLite::Database &db) { return schedulerdb::run(db, dagId, runId); });
    return run ? *run : std::nullopt;
}

QList<DagRunRecord> TestDagsCommands::storedRuns(const QString &dagId)
{
    auto store = Store::openReadOnly(m_dir->filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store)
        return {};
    auto runs =
        (*store)->read([&](SQLite::Database &db) { return schedulerdb::runs(db, dagId, 100); });
    return runs ? *runs : QList<DagRunRecord>();
}

std::optional<bool> TestDagsCommands::storedPauseFlag(const QString &dagId)
{
    auto store = Store::openReadOnly(m_dir->filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store)
        return std::nullopt;
    auto flags = (*store)->read([](SQLite::Database &db) { return schedulerdb::pausedFlags(db); });
    if (!flags || !flags->count(dagId))
        return std::nullopt;
    return flags->at(dagId);
}

void TestDagsCommands::listShowsDagsAndBrokenFiles()
{
    writeDag(u"quiet"_s, kQuietDag);
    writeDag(u"broken"_s, kBrokenDag);

    Outcome listed = run({u"dags"_s, u"list"_s});
    QCOMPARE(listed.exitCode, 0);
    const QStringList lines = listed.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3); // the header, hello, quiet
    QVERIFY(lines[0].startsWith(u"DAG"_s));
    QVERIFY2(lines[1].startsWith(u"hello "_s) && lines[1].contains(u" no "_s)
                 && lines[1].contains(u"2100-01-0"_s),
             qPrintable(lines[1]));
    QVERIFY2(lines[2].startsWith(u"quiet "_s) && lines[2].contains(u" yes "_s),
             qPrintable(lines[2]));
    // The broken file is named with its line, on stderr only.
    QVERIFY2(listed.err.contains(u"broken.yaml:4:"_s) && listed.err.contains(u"no_such_operator"_s),
             qPrintable(listed.err));
    QVERIFY(!listed.out.contains(u"broken"_s));

    QCOMPARE(run({u"dags"_s, u"list"_s, u"--strict"_s}).exitCode, 1);

    const QJsonObject json = runJson({u"dags"_s, u"list"_s});
    const QJsonArray dags = json.value(u"dags"_s).toArray();
    QCOMPARE(dags.size(), 2);
    const QJsonObject hello = dags[0].toObject();
    QCOMPARE(hello.value(u"dag_id"_s).toString(), u"hello"_s);
    QCOMPARE(hello.value(u"is_paused"_s).toBool(), false);
    QCOMPARE(hello.value(u"schedule"_s).toString(), u"@daily"_s);
    QVERIFY(!hello.value(u"schedule_description"_s).toString().isEmpty());
    QVERIFY2(hello.value(u"next_dagrun"_s).toString().startsWith(u"2100-01-0"_s),
             qPrintable(hello.value(u"next_dagrun"_s).toString()));
    QVERIFY(hello.value(u"last_run"_s).isNull());
    QCOMPARE(dags[1].toObject().value(u"is_paused"_s).toBool(), true);
    const QJsonArray errors = json.value(u"import_errors"_s).toArray();
    QCOMPARE(errors.size(), 1);
    QVERIFY(errors[0].toObject().value(u"filename"_s).toString().endsWith(u"broken.yaml"_s));
    QCOMPARE(errors[0].toObject().value(u"line"_s).toInt(), 4);
}

void TestDagsCommands::readsTheShippedPipeline()
{
    // Seed 000's DAG files name the pipeline's operators, which the command knows as the app
    // does: they read without an error, for a list and for a change.
    const QDir shipped(QStringLiteral(MILLRACE_EXAMPLE_DAGS));
    const QStringList files = shipped.entryList({u"*.yaml"_s}, QDir::Files);
    QVERIFY(files.contains(u"update_model.yaml"_s));
    for (const QString &file : files)
        QVERIFY(QFile::copy(shipped.filePath(file), m_dir->filePath(u"dags/"_s + file)));

    const Outcome listed = run({u"dags"_s, u"list"_s, u"--strict"_s, u"--json"_s});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.err.isEmpty(), qPrintable(listed.err));
    const QJsonObject json = QJsonDocument::fromJson(listed.out.toUtf8()).object();
    QStringList ids;
    for (const QJsonValue &dag : json.value(u"dags"_s).toArray())
        ids.append(dag.toObject().value(u"dag_id"_s).toString());
    QCOMPARE(ids, (QStringList{u"hello"_s, u"initial_model"_s, u"stream"_s, u"update_model"_s}));

    const Outcome paused = run({u"dags"_s, u"pause"_s, u"update_model"_s});
    QCOMPARE(paused.exitCode, 0);
    QCOMPARE(paused.out, u"paused update_model\n"_s);
}

void TestDagsCommands::changesWithoutTheAppGoStraightIn()
{
    Outcome triggered = run({u"dags"_s, u"trigger"_s, u"hello"_s, u"--conf"_s,
                             u"{\"greeting\": \"bonjour\"}"_s, u"--run-id"_s, u"first"_s});
    QCOMPARE(triggered.exitCode, 0);
    QVERIFY2(triggered.out.startsWith(u"triggered hello run first"_s), qPrintable(triggered.out));
    triggered = run({u"dags"_s, u"trigger"_s, u"hello"_s});
    QCOMPARE(triggered.exitCode, 0);
    QVERIFY2(triggered.out.startsWith(u"triggered hello run manual__"_s),
             qPrintable(triggered.out));

    // Queued, with the DAG's params under the given conf, for the scheduler's next start.
    const QJsonArray runs =
        runJson({u"dags"_s, u"runs"_s, u"hello"_s}).value(u"dag_runs"_s).toArray();
    QCOMPARE(runs.size(), 2);
    const QJsonObject first = runs[1].toObject();
    QCOMPARE(first.value(u"dag_run_id"_s).toString(), u"first"_s);
    QCOMPARE(first.value(u"state"_s).toString(), u"queued"_s);
    QCOMPARE(first.value(u"run_type"_s).toString(), u"manual"_s);
    QCOMPARE(first.value(u"conf"_s).toObject(),
             (QJsonObject{{u"greeting"_s, u"bonjour"_s}, {u"times"_s, 1}}));
    QVERIFY(runs[0].toObject().value(u"dag_run_id"_s).toString().startsWith(u"manual__"_s));
    const Outcome table =
        run({u"dags"_s, u"runs"_s, u"hello"_s, u"--state"_s, u"queued"_s, u"--limit"_s, u"1"_s});
    QCOMPARE(table.exitCode, 0);
    QCOMPARE(table.out.split(u'\n', Qt::SkipEmptyParts).size(), 2);
    QVERIFY2(table.out.contains(u" manual "_s) && table.out.contains(u" queued "_s),
             qPrintable(table.out));

    // Backfill: a run per whole interval in the range, queued as well.
    const Outcome backfilled = run({u"dags"_s, u"backfill"_s, u"hello"_s, u"--from"_s,
                                    u"2026-01-01"_s, u"--to"_s, u"2026-01-03T00:00:00Z"_s});
    QCOMPARE(backfilled.exitCode, 0);
    QVERIFY2(backfilled.out.startsWith(u"backfill of hello created 2 run(s): "
                                       u"backfill__2026-01-01T00:00:00+00:00, "
                                       u"backfill__2026-01-02T00:00:00+00:00"_s),
             qPrintable(backfilled.out));
    QCOMPARE(storedRuns(u"hello"_s).size(), 4);

    // A run id is used once.
    const Outcome again = run({u"dags"_s, u"trigger"_s, u"hello"_s, u"--run-id"_s, u"first"_s});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(u"already has a run \"first\""_s), qPrintable(again.err));

    Outcome paused = run({u"dags"_s, u"pause"_s, u"hello"_s});
    QCOMPARE(paused.exitCode, 0);
    QCOMPARE(paused.out, u"paused hello\n"_s);
    QCOMPARE(storedPauseFlag(u"hello"_s), std::optional<bool>(true));
    QCOMPARE(run({u"dags"_s, u"unpause"_s, u"hello"_s}).out, u"unpaused hello\n"_s);
    QCOMPARE(storedPauseFlag(u"hello"_s), std::optional<bool>(false));
}

void TestDagsCommands::refusesBadRequests_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");

    QTest::newRow("trigger an unknown DAG")
        << QStringList{u"dags"_s, u"trigger"_s, u"nope"_s} << 1 << u"there is no DAG \"nope\""_s;
    QTest::newRow("runs of an unknown DAG")
        << QStringList{u"dags"_s, u"runs"_s, u"nope"_s} << 1 << u"there is no DAG \"nope\""_s;
    QTest::newRow("conf that is not JSON")
        << QStringList{u"dags"_s, u"trigger"_s, u"hello"_s, u"--conf"_s, u"{greeting: hi"_s} << 2
        << u"--conf is not valid JSON"_s;
    QTest::newRow("conf that is not an object")
        << QStringList{u"dags"_s, u"trigger"_s, u"hello"_s, u"--conf"_s, u"[1, 2]"_s} << 2
        << u"--conf must be a JSON object"_s;
    QTest::newRow("bad run id") << QStringList{u"dags"_s, u"trigger"_s, u"hello"_s, u"--run-id"_s,
                                               u"a/b"_s}
                                << 2 << u"not a valid run id"_s;
    QTest::newRow("tasks of an unknown run")
        << QStringList{u"tasks"_s, u"list"_s, u"hello"_s, u"no-such-run"_s} << 1
        << u"hello has no run \"no-such-run\""_s;
    QTest::newRow("unknown state")
        << QStringList{u"dags"_s, u"runs"_s, u"hello"_s, u"--state"_s, u"done"_s} << 2
        << u"not a run state"_s;
}

void TestDagsCommands::refusesBadRequests()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);

    const Outcome outcome = run(arguments);
    QCOMPARE(outcome.exitCode, exitCode);
    QVERIFY2(outcome.err.contains(message), qPrintable(outcome.err));
    QVERIFY(outcome.out.isEmpty());
    // Nothing was changed on the way.
    QVERIFY(storedRuns(u"hello"_s).isEmpty());
    QVERIFY(!storedPauseFlag(u"hello"_s).has_value());
}

void TestDagsCommands::runningSchedulerAppliesRequests()
{
    startScheduler();
    QVERIFY(!Workspace::inspect(m_dir->path()).holder.isEmpty());

    // Through scheduler_requests: the running scheduler creates the run and answers.
    QElapsedTimer clock;
    clock.start();
    const Outcome triggered =
        run({u"dags"_s, u"trigger"_s, u"hello"_s, u"--conf"_s, u"{\"greeting\": \"hej\"}"_s});
    QCOMPARE(triggered.exitCode, 0);
    QVERIFY2(triggered.out.startsWith(u"triggered hello run manual__"_s),
             qPrintable(triggered.out));
    QVERIFY2(!triggered.out.contains(u"queued"_s), qPrintable(triggered.out));
    const QString runId = triggered.out.trimmed().section(u' ', -1);
    QTRY_VERIFY_WITH_TIMEOUT(storedRun(u"hello"_s, runId)
                                 && storedRun(u"hello"_s, runId)->state == RunState::Success,
                             15000);
    qInfo() << "triggered through the scheduler and ran in" << clock.elapsed() << "ms";

    const QJsonArray runs =
        runJson({u"dags"_s, u"runs"_s, u"hello"_s}).value(u"dag_runs"_s).toArray();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].toObject().value(u"state"_s).toString(), u"success"_s);
    QVERIFY(runs[0].toObject().value(u"duration"_s).isDouble());

    const Outcome tasks = run({u"tasks"_s, u"list"_s, u"hello"_s, runId});
    QCOMPARE(tasks.exitCode, 0);
    const QStringList lines = tasks.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    // In the order they ran.
    QVERIFY2(lines[1].startsWith(u"say "_s) && lines[1].contains(u" success "_s)
                 && lines[1].contains(u" 1/1 "_s) && lines[1].contains(u" shell "_s),
             qPrintable(lines[1]));
    QVERIFY2(lines[2].startsWith(u"done "_s) && lines[2].contains(u" noop "_s),
             qPrintable(lines[2]));
    const QJsonArray instances =
        runJson({u"tasks"_s, u"list"_s, u"hello"_s, runId}).value(u"task_instances"_s).toArray();
    QCOMPARE(instances.size(), 2);
    QCOMPARE(instances[0].toObject().value(u"try_number"_s).toInt(), 1);

    const Outcome log = run({u"tasks"_s, u"logs"_s, u"hello"_s, runId, u"say"_s});
    QCOMPARE(log.exitCode, 0);
    QVERIFY2(log.out.contains(u"hej from millrace"_s), qPrintable(log.out));
    const Outcome noTry =
        run({u"tasks"_s, u"logs"_s, u"hello"_s, runId, u"say"_s, u"--try"_s, u"2"_s});
    QCOMPARE(noTry.exitCode, 1);
    QVERIFY2(noTry.err.contains(u"has run 1 try so far"_s), qPrintable(noTry.err));

    // The last run shows in the list, read while this process holds the workspace.
    const QJsonObject hello = runJson({u"dags"_s, u"list"_s}).value(u"dags"_s)[0].toObject();
    QCOMPARE(hello.value(u"last_run"_s).toObject().value(u"dag_run_id"_s).toString(), runId);

    // Pausing and the scheduler's refusals come back the same way.
    const Outcome paused = run({u"dags"_s, u"pause"_s, u"hello"_s});
    QCOMPARE(paused.exitCode, 0);
    QCOMPARE(paused.out, u"paused hello\n"_s);
    QCOMPARE(storedPauseFlag(u"hello"_s), std::optional<bool>(true));
    const Outcome unknown = run({u"dags"_s, u"trigger"_s, u"nope"_s});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains(u"there is no DAG \"nope\""_s), qPrintable(unknown.err));

    // Clearing a task of the finished run runs it again.
    const Outcome cleared =
        run({u"dags"_s, u"clear"_s, u"hello"_s, runId, u"say"_s, u"--downstream"_s});
    QCOMPARE(cleared.exitCode, 0);
    QVERIFY2(cleared.out.contains(u"cleared say, done in hello run "_s), qPrintable(cleared.out));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(
                                 u"logs/"_s + taskLogRelativePath(u"hello"_s, runId, u"say"_s, 2))),
                             15000);
    QTRY_VERIFY_WITH_TIMEOUT(storedRun(u"hello"_s, runId)->state == RunState::Success, 15000);
    QVERIFY(
        run({u"tasks"_s, u"logs"_s, u"hello"_s, runId, u"say"_s}).out.contains(u"try 2 of 2"_s));

    // A scheduler that does not answer: the request stays queued, and the user is told.
    m_held.stopScheduler(); // the workspace stays held, with nobody applying requests
    const Outcome unanswered = run({u"dags"_s, u"unpause"_s, u"hello"_s, u"--wait"_s, u"1"_s});
    QCOMPARE(unanswered.exitCode, 1);
    QVERIFY2(unanswered.err.contains(u"the request is queued"_s), qPrintable(unanswered.err));
}

void TestDagsCommands::logsFollowATaskUntilItIsFinished()
{
    writeDag(u"slow"_s, kSlowDag);
    startScheduler();
    const Outcome triggered =
        run({u"dags"_s, u"trigger"_s, u"slow"_s, u"--run-id"_s, u"follow-me"_s});
    QCOMPARE(triggered.exitCode, 0);

    QProcess follow;
    follow.start(m_binary, {u"--workspace"_s, m_dir->path(), u"tasks"_s, u"logs"_s, u"slow"_s,
                            u"follow-me"_s, u"count"_s, u"--follow"_s});
    QVERIFY(follow.waitForFinished(20000));
    QCOMPARE(follow.exitCode(), 0);
    const QString out = QString::fromUtf8(follow.readAllStandardOutput());
    for (int i = 1; i <= 4; ++i)
        QVERIFY2(out.contains(u"count %1"_s.arg(i)), qPrintable(out));
    QVERIFY2(QString::fromUtf8(follow.readAllStandardError()).contains(u"count is success"_s),
             qPrintable(out));
    // It ended because the task did, with the whole log printed, its last line included.
    QFile log(m_dir->filePath(u"logs/"_s
                              + taskLogRelativePath(u"slow"_s, u"follow-me"_s, u"count"_s, 1)));
    QVERIFY(log.open(QIODevice::ReadOnly));
    QCOMPARE(out.toUtf8(), log.readAll());
}

QTEST_GUILESS_MAIN(TestDagsCommands)
#include "tst_dagscommands.moc"

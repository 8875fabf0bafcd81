#include "core/plugins/pluginmanager.h"
#include "plugins/api/plugininfo.h"
#include "plugins/api/taskoperator.h"

#include <QAtomicInt>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <thread>

#include <pthread.h>

#include <sys/types.h>
#include <unistd.h>

using namespace millrace;
using namespace Qt::StringLiterals;
using plugins::TaskOutcome;

namespace {

// What the scheduler hands a try, with fixed ids, a log that records every line (from the
// worker thread the try runs on) and a cancel flag the test sets.
class RecordingContext : public plugins::TaskContext
{
public:
    RecordingContext(QJsonObject params, QString workspaceRoot)
        : m_params(std::move(params)), m_workspaceRoot(std::move(workspaceRoot))
    {
    }

    QJsonObject params() const override { return m_params; }
    void log(const QString &line) override
    {
        QMutexLocker locker(&m_mutex);
        m_lines.append(line);
    }
    bool isCancelled() const override { return m_cancelled.loadRelaxed() != 0; }
    void setProgress(double) override {}
    QJsonValue upstreamResult(const QString &) const override { return QJsonValue(); }
    QString dagId() const override { return u"nightly_retrain"_s; }
    QString runId() const override { return u"scheduled__2026-11-22T00:00:00+00:00"_s; }
    QString taskId() const override { return u"export_onnx"_s; }
    int tryNumber() const override { return 2; }
    QDateTime logicalDate() const override { return m_logicalDate; }
    QJsonObject runConfig() const override { return QJsonObject(); }
    QString workspaceRoot() const override { return m_workspaceRoot; }

    void cancel() { m_cancelled.storeRelaxed(1); }
    void setLogicalDate(const QDateTime &date) { m_logicalDate = date; }
    QStringList lines() const
    {
        QMutexLocker locker(&m_mutex);
        return m_lines;
    }

private:
    QJsonObject m_params;
    QString m_workspaceRoot;
    QDateTime m_logicalDate{QDate(2026, 11, 22), QTime(0, 0), QTimeZone::utc()};
    QAtomicInt m_cancelled;
    mutable QMutex m_mutex;
    QStringList m_lines;
};

// A try running on a plain std::thread, as on an executor thread: no Qt event loop, not even an
// event dispatcher.
class TryOnWorker
{
public:
    TryOnWorker(plugins::TaskOperator *op, RecordingContext &context)
        : m_thread([this, op, &context] {
              m_outcome = op->run(context);
              m_done = true;
          })
    {
    }
    ~TryOnWorker()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

    bool isDone() const { return m_done; }
    TaskOutcome wait()
    {
        m_thread.join();
        return m_outcome;
    }

private:
    TaskOutcome m_outcome;
    std::atomic<bool> m_done = false;
    std::thread m_thread;
};

// Whether `pid` is a living process. A zombie is dead; it only waits for its parent to collect
// it (and this sandbox's init may never collect orphans).
bool isAlive(pid_t pid)
{
    if (::kill(pid, 0) == -1 && errno == ESRCH)
        return false;
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2, 1) != "Z";
}

// The parent of `pid`, from /proc, or -1 when it is gone.
pid_t parentOf(pid_t pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    return pid_t(text.mid(text.lastIndexOf(')') + 2).split(' ').value(1).toInt());
}

// The command the process-group tests run: it writes its shell's pid and the pid of a `sleep`
// it started to "pids", then waits for the sleep.
const QString kSleepInShell = u"echo $$ > pids; sleep 30 & echo $! >> pids; wait"_s;

} // namespace

// The built-in shell operator, loaded from the build tree's plugin folder the way the app loads
// it. Every try runs on a worker thread without an event loop, as the executor runs it.
class TestShellOperator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void describesItsParameters();
    void returnsTheLastLineOfStdout_data();
    void returnsTheLastLineOfStdout();
    void logsTheCommandItsOutputAndItsExit();
    void refusesALastLineTooLongToKeep();
    void returnsStdoutAsJson_data();
    void returnsStdoutAsJson();
    void failsOnStdoutThatIsNotJson_data();
    void failsOnStdoutThatIsNotJson();
    void failsOnJsonTooLargeToKeep();
    void setsTheEnvironment_data();
    void setsTheEnvironment();
    void exposesTheTaskToTheCommand_data();
    void exposesTheTaskToTheCommand();
    void runsInTheWorkingDirectory_data();
    void runsInTheWorkingDirectory();
    void failsOnAMissingWorkingDirectory();
    void failsOnANonZeroExit_data();
    void failsOnANonZeroExit();
    void skipsOnTheSkipExitCode_data();
    void skipsOnTheSkipExitCode();
    void failsWhenTheCommandIsNotFound_data();
    void failsWhenTheCommandIsNotFound();
    void failsWhenTheProgramCannotStart();
    void logsOutputWhileTheCommandRuns();
    void timeoutKillsTheWholeProcessGroup();
    void cancellationKillsTheWholeProcessGroup();
    void timeoutStopsACommandStartedFromAThreadThatBlocksSignals();
    void stopsProcessesLeftBehind();
    void doesNotStartWhenAlreadyCancelled();
    void rejectsBadParams_data();
    void rejectsBadParams();

private:
    TaskOutcome runTry(RecordingContext &context)
    {
        return TryOnWorker(m_operator, context).wait();
    }
    QList<pid_t> readPids() const;

    PluginManager m_plugins;
    plugins::TaskOperator *m_operator = nullptr;
    std::unique_ptr<QTemporaryDir> m_workspace;
};

void TestShellOperator::initTestCase()
{
    m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    for (const PluginLoadError &error : m_plugins.errors())
        qWarning() << error.file << error.message;
    m_operator = m_plugins.find<plugins::TaskOperator>(u"shell"_s);
    QVERIFY2(m_operator, "shell not found in " MILLRACE_BUILTIN_PLUGIN_DIR);
    bool declared = false;
    for (const PluginInfo &info : m_plugins.plugins())
        declared |=
            info.id == u"shell"_s && info.kind == QLatin1String(plugins::kind::kTaskOperator);
    QVERIFY(declared);
    // Something of the app's environment a command inherits unless told not to.
    qputenv("MILLRACE_TEST_MARKER", "from-the-app");
}

void TestShellOperator::init()
{
    m_workspace = std::make_unique<QTemporaryDir>();
    QVERIFY(m_workspace->isValid());
}

QList<pid_t> TestShellOperator::readPids() const
{
    QFile file(m_workspace->filePath(u"pids"_s));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<pid_t> pids;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (!line.isEmpty())
            pids.append(pid_t(line.toInt()));
    }
    return pids;
}

void TestShellOperator::describesItsParameters()
{
    const QJsonObject schema = m_operator->parameterSchema();
    QCOMPARE(schema.value(u"type"_s).toString(), u"object"_s);
    QCOMPARE(schema.value(u"additionalProperties"_s), QJsonValue(false));
    QVERIFY(schema.value(u"required"_s).isArray());
    const QJsonObject properties = schema.value(u"properties"_s).toObject();
    const QHash<QString, QString> types{
        {u"command"_s, u"string"_s},         {u"argv"_s, u"array"_s},   {u"env"_s, u"object"_s},
        {u"inherit_env"_s, u"boolean"_s},    {u"cwd"_s, u"string"_s},   {u"timeout"_s, u"number"_s},
        {u"skip_exit_code"_s, u"integer"_s}, {u"result"_s, u"string"_s}};
    QCOMPARE(properties.keys().size(), types.size());
    for (auto it = types.begin(); it != types.end(); ++it)
        QCOMPARE(properties.value(it.key()).toObject().value(u"type"_s).toString(), it.value());
    QCOMPARE(properties.value(u"result"_s).toObject().value(u"enum"_s).toArray(),
             (QJsonArray{u"last_line"_s, u"none"_s, u"json"_s}));
}

void TestShellOperator::returnsTheLastLineOfStdout_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QJsonValue>("result");

    QTest::newRow("lines") << QJsonObject{{u"command"_s, u"printf 'first\\nsecond\\n'"_s}}
                           << QJsonValue(u"second"_s);
    QTest::newRow("no final newline")
        << QJsonObject{{u"command"_s, u"printf 'a\\nb'"_s}} << QJsonValue(u"b"_s);
    QTest::newRow("trailing whitespace")
        << QJsonObject{{u"command"_s, u"echo 'v 1  '"_s}} << QJsonValue(u"v 1"_s);
    QTest::newRow("stderr is not the result")
        << QJsonObject{{u"command"_s, u"echo out; echo err >&2"_s}} << QJsonValue(u"out"_s);
    QTest::newRow("no output") << QJsonObject{{u"command"_s, u"true"_s}} << QJsonValue(u""_s);
    QTest::newRow("argv, no shell")
        << QJsonObject{{u"argv"_s, QJsonArray{u"echo"_s, u"$HOME"_s, 7}}}
        << QJsonValue(u"$HOME 7"_s);
    QTest::newRow("result none") << QJsonObject{{u"command"_s, u"echo x"_s},
                                                {u"result"_s, u"none"_s}}
                                 << QJsonValue(QJsonValue::Undefined);
}

void TestShellOperator::returnsTheLastLineOfStdout()
{
    QFETCH(QJsonObject, params);
    QFETCH(QJsonValue, result);

    RecordingContext context(params, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QVERIFY(!outcome.skipped);
    QCOMPARE(outcome.result, result);
}

void TestShellOperator::logsTheCommandItsOutputAndItsExit()
{
    RecordingContext context(QJsonObject{{u"command"_s, u"echo one; echo two >&2; echo three"_s}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    const QStringList lines = context.lines();
    QCOMPARE(lines.first(), u"[shell] running in %1: echo one; echo two >&2; echo three"_s.arg(
                                QDir::cleanPath(m_workspace->path())));
    QVERIFY(lines.contains(u"one"_s));
    QVERIFY(lines.contains(u"[stderr] two"_s));
    QVERIFY(lines.indexOf(u"one"_s) < lines.indexOf(u"three"_s));
    QVERIFY2(QRegularExpression(u"^\\[shell\\] exit code 0 after \\d+\\.\\d\\d s$"_s)
                 .match(lines.last())
                 .hasMatch(),
             qPrintable(lines.last()));
}

void TestShellOperator::refusesALastLineTooLongToKeep()
{
    // 70 000 bytes without a newline: logged in two pieces, too long to be a result.
    RecordingContext context(
        QJsonObject{{u"command"_s, u"echo short; head -c 70000 /dev/zero | tr '\\0' a"_s}},
        m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.startsWith(u"the last line of stdout is longer than 64 KiB"_s),
             qPrintable(outcome.error));
    const QStringList lines = context.lines();
    const qsizetype first = lines.indexOf(u"short"_s) + 1;
    QCOMPARE(lines.at(first).size(), 64 * 1024);
    QCOMPARE(lines.at(first + 1).size(), 70000 - 64 * 1024);
}

void TestShellOperator::returnsStdoutAsJson_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QJsonValue>("result");

    QTest::newRow("object") << u"echo '{\"accuracy\": 0.91, \"version\": 3}'"_s
                            << QJsonValue(QJsonObject{{u"accuracy"_s, 0.91}, {u"version"_s, 3}});
    QTest::newRow("over several lines")
        << u"printf '[\\n  1,\\n  \"two\"\\n]\\n'"_s << QJsonValue(QJsonArray{1, u"two"_s});
    QTest::newRow("number") << u"echo 42"_s << QJsonValue(42);
    QTest::newRow("string") << u"echo '\"text\"'"_s << QJsonValue(u"text"_s);
    QTest::newRow("null") << u"echo null"_s << QJsonValue(QJsonValue::Null);
}

void TestShellOperator::returnsStdoutAsJson()
{
    QFETCH(QString, command);
    QFETCH(QJsonValue, result);

    RecordingContext context(QJsonObject{{u"command"_s, command}, {u"result"_s, u"json"_s}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result, result);
}

void TestShellOperator::failsOnStdoutThatIsNotJson_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("error");

    QTest::newRow("text") << u"echo ready"_s << u"stdout is not valid JSON at byte 0: "_s;
    QTest::newRow("cut off") << u"echo '{\"a\": 1'"_s << u"stdout is not valid JSON at byte "_s;
    QTest::newRow("empty") << u"true"_s
                           << u"stdout is empty, but \"result\": \"json\" expects a JSON value"_s;
    QTest::newRow("two values")
        << u"echo '1, 2'"_s << u"stdout holds 2 JSON values, \"result\": \"json\" expects one"_s;
}

void TestShellOperator::failsOnStdoutThatIsNotJson()
{
    QFETCH(QString, command);
    QFETCH(QString, error);

    RecordingContext context(QJsonObject{{u"command"_s, command}, {u"result"_s, u"json"_s}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.startsWith(error), qPrintable(outcome.error));
}

void TestShellOperator::failsOnJsonTooLargeToKeep()
{
    // Valid JSON of 17 MB (a number in a sea of spaces): more than the 16 MiB a result may be.
    RecordingContext context(
        QJsonObject{{u"command"_s, u"printf '['; head -c 17000000 /dev/zero | tr '\\0' ' '; "
                                   "echo '1]'"_s},
                    {u"result"_s, u"json"_s}},
        m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, u"stdout is larger than 16 MiB, the most \"result\": \"json\" reads"_s);
    // The output was still logged, to its end.
    const QStringList lines = context.lines();
    QVERIFY(lines.at(lines.size() - 2).endsWith(u"1]"_s));
    QVERIFY(lines.last().startsWith(u"[shell] exit code 0 after "_s));
}

void TestShellOperator::setsTheEnvironment_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QJsonValue>("result");

    const QString show = u"echo \"$GREETING|$COUNT|$MILLRACE_TEST_MARKER|$PATH\""_s;
    const QJsonObject env{{u"GREETING"_s, u"hello world"_s}, {u"COUNT"_s, 3}};
    QTest::newRow("inherited plus env")
        << QJsonObject{{u"command"_s, show}, {u"env"_s, env}}
        << QJsonValue(u"hello world|3|from-the-app|"_s + qEnvironmentVariable("PATH"));
    QTest::newRow("env only") << QJsonObject{{u"command"_s, show},
                                             {u"env"_s, env},
                                             {u"inherit_env"_s, false}}
                              << QJsonValue(u"hello world|3||/usr/bin:/bin"_s);
    QTest::newRow("env only, own PATH")
        << QJsonObject{{u"command"_s, show},
                       {u"env"_s, QJsonObject{{u"PATH"_s, u"/bin"_s}}},
                       {u"inherit_env"_s, false}}
        << QJsonValue(u"|||/bin"_s);
}

void TestShellOperator::setsTheEnvironment()
{
    QFETCH(QJsonObject, params);
    QFETCH(QJsonValue, result);

    RecordingContext context(params, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result, result);
}

void TestShellOperator::exposesTheTaskToTheCommand_data()
{
    QTest::addColumn<QDateTime>("logicalDate");
    QTest::addColumn<bool>("inheritEnv");
    QTest::addColumn<QString>("expectedDate");

    QTest::newRow("scheduled run") << QDateTime(QDate(2026, 11, 22), QTime(0, 0), QTimeZone::utc())
                                   << true << u"2026-11-22T00:00:00Z"_s;
    QTest::newRow("manual run, not UTC, env only")
        << QDateTime(QDate(2026, 11, 22), QTime(14, 45, 10, 250), QTimeZone(3600)) << false
        << u"2026-11-22T13:45:10.250Z"_s;
}

void TestShellOperator::exposesTheTaskToTheCommand()
{
    QFETCH(QDateTime, logicalDate);
    QFETCH(bool, inheritEnv);
    QFETCH(QString, expectedDate);

    const QString show = u"echo \"$MILLRACE_DAG_ID|$MILLRACE_RUN_ID|$MILLRACE_TASK_ID|"
                         "$MILLRACE_TRY_NUMBER|$MILLRACE_LOGICAL_DATE|$MILLRACE_WORKSPACE\""_s;
    // env cannot make a task claim to be another.
    RecordingContext context(QJsonObject{{u"command"_s, show},
                                         {u"inherit_env"_s, inheritEnv},
                                         {u"env"_s, QJsonObject{{u"MILLRACE_DAG_ID"_s, u"x"_s}}}},
                             m_workspace->path());
    context.setLogicalDate(logicalDate);
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result.toString(),
             u"nightly_retrain|scheduled__2026-11-22T00:00:00+00:00|export_onnx|2|"_s + expectedDate
                 + u'|' + m_workspace->path());
}

void TestShellOperator::runsInTheWorkingDirectory_data()
{
    QTest::addColumn<QJsonValue>("cwd");
    QTest::addColumn<QString>("expected"); // relative to the workspace

    QTest::newRow("default: the workspace") << QJsonValue(QJsonValue::Undefined) << u"."_s;
    QTest::newRow("relative") << QJsonValue(u"data/incoming"_s) << u"data/incoming"_s;
    QTest::newRow("relative, dotted") << QJsonValue(u"./data/../data"_s) << u"data"_s;
    QTest::newRow("absolute") << QJsonValue(u"@/data/used"_s) << u"data/used"_s;
}

void TestShellOperator::runsInTheWorkingDirectory()
{
    QFETCH(QJsonValue, cwd);
    QFETCH(QString, expected);

    const QDir workspace(m_workspace->path());
    QVERIFY(workspace.mkpath(u"data/incoming"_s));
    QVERIFY(workspace.mkpath(u"data/used"_s));
    QJsonObject params{{u"command"_s, u"pwd -P"_s}};
    if (!cwd.isUndefined())
        params.insert(u"cwd"_s, cwd.toString().replace(u"@"_s, workspace.path()));

    RecordingContext context(params, workspace.path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result.toString(),
             QFileInfo(workspace.filePath(expected)).canonicalFilePath());
}

void TestShellOperator::failsOnAMissingWorkingDirectory()
{
    RecordingContext context(QJsonObject{{u"command"_s, u"touch ran"_s}, {u"cwd"_s, u"nowhere"_s}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, u"working directory %1/nowhere does not exist"_s.arg(
                                QDir::cleanPath(m_workspace->path())));
    QVERIFY(!QFile::exists(m_workspace->filePath(u"ran"_s)));
}

void TestShellOperator::failsOnANonZeroExit_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("error");

    QTest::newRow("with stderr") << u"echo working; echo 'first problem' >&2; "
                                    "echo 'disk full ' >&2; echo >&2; exit 3"_s
                                 << u"exit code 3: disk full"_s;
    QTest::newRow("silent") << u"exit 2"_s << u"exit code 2"_s;
    QTest::newRow("killed by a signal") << u"kill -KILL $$"_s << u"killed by signal 9"_s;
}

void TestShellOperator::failsOnANonZeroExit()
{
    QFETCH(QString, command);
    QFETCH(QString, error);

    RecordingContext context(QJsonObject{{u"command"_s, command}}, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QVERIFY(!outcome.skipped);
    QCOMPARE(outcome.error, error);
    QVERIFY(context.lines().last().startsWith(u"[shell] "_s + error.section(u':', 0, 0)
                                              + u" after "_s));
}

void TestShellOperator::skipsOnTheSkipExitCode_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<bool>("skipped");

    QTest::newRow("99 by default") << QJsonObject{{u"command"_s, u"exit 99"_s}} << true;
    QTest::newRow("own code") << QJsonObject{{u"command"_s, u"exit 3"_s}, {u"skip_exit_code"_s, 3}}
                              << true;
    QTest::newRow("99 is a failure with an own code")
        << QJsonObject{{u"command"_s, u"exit 99"_s}, {u"skip_exit_code"_s, 3}} << false;
}

void TestShellOperator::skipsOnTheSkipExitCode()
{
    QFETCH(QJsonObject, params);
    QFETCH(bool, skipped);

    RecordingContext context(params, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QCOMPARE(outcome.ok, skipped);
    QCOMPARE(outcome.skipped, skipped);
    QCOMPARE(outcome.error, skipped
                                ? u"exit code %1"_s.arg(params.value(u"skip_exit_code"_s).toInt(99))
                                : u"exit code 99"_s);
}

void TestShellOperator::failsWhenTheCommandIsNotFound_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QString>("error");

    QTest::newRow("argv, on PATH")
        << QJsonObject{{u"argv"_s, QJsonArray{u"millrace-no-such-program"_s}}}
        << u"command not found: millrace-no-such-program (not on PATH="_s;
    // Found on the app's PATH, but not on the command's own.
    QTest::newRow("argv, not on the command's PATH")
        << QJsonObject{{u"argv"_s, QJsonArray{u"sh"_s, u"-c"_s, u"true"_s}},
                       {u"inherit_env"_s, false},
                       {u"env"_s, QJsonObject{{u"PATH"_s, u"/nonexistent"_s}}}}
        << u"command not found: sh (not on PATH=/nonexistent)"_s;
    QTest::newRow("argv, a path") << QJsonObject{{u"argv"_s, QJsonArray{u"./train.sh"_s}}}
                                  << u"command not found: ./train.sh (no executable file"_s;
    QTest::newRow("shell") << QJsonObject{{u"command"_s, u"millrace-no-such-program --now"_s}}
                           << u"exit code 127: "_s;
}

void TestShellOperator::failsWhenTheCommandIsNotFound()
{
    QFETCH(QJsonObject, params);
    QFETCH(QString, error);

    RecordingContext context(params, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.startsWith(error), qPrintable(outcome.error));
    if (params.contains(u"command"_s))
        QVERIFY2(outcome.error.contains(u"not found"_s), qPrintable(outcome.error));
}

void TestShellOperator::failsWhenTheProgramCannotStart()
{
    // Executable, but neither a binary nor a script with a #! line: exec refuses it.
    QFile program(m_workspace->filePath(u"garbage"_s));
    QVERIFY(program.open(QIODevice::WriteOnly));
    program.write("\x7f\x01\x02\x03 not a program");
    program.close();
    QVERIFY(program.setPermissions(QFile::ReadOwner | QFile::ExeOwner));

    RecordingContext context(QJsonObject{{u"argv"_s, QJsonArray{u"./garbage"_s}}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.startsWith(u"could not start %1: "_s.arg(program.fileName())),
             qPrintable(outcome.error));
    QCOMPARE(context.lines().last(), u"[shell] "_s + outcome.error);
}

void TestShellOperator::logsOutputWhileTheCommandRuns()
{
    // The command cannot end before the test creates "go", so lines seen before that were
    // logged while it ran. The timeout only keeps a broken build from hanging here.
    RecordingContext context(
        QJsonObject{{u"command"_s, u"echo first; echo 'a warning' >&2; "
                                   "while [ ! -e go ]; do sleep 0.01; done; echo last"_s},
                    {u"timeout"_s, 4}},
        m_workspace->path());
    TryOnWorker worker(m_operator, context);
    QTRY_VERIFY_WITH_TIMEOUT(context.lines().contains(u"first"_s), 3000);
    QTRY_VERIFY_WITH_TIMEOUT(context.lines().contains(u"[stderr] a warning"_s), 3000);
    QVERIFY(!worker.isDone());

    QFile go(m_workspace->filePath(u"go"_s));
    QVERIFY(go.open(QIODevice::WriteOnly));
    go.close();
    const TaskOutcome outcome = worker.wait();
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result, QJsonValue(u"last"_s));
}

void TestShellOperator::timeoutKillsTheWholeProcessGroup()
{
    RecordingContext context(QJsonObject{{u"command"_s, kSleepInShell}, {u"timeout"_s, 0.3}},
                             m_workspace->path());
    QElapsedTimer clock;
    clock.start();
    const TaskOutcome outcome = runTry(context);
    // Only a sanity bound: without the kill the try would last the sleep's 30 s.
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, u"timed out after 0.3 s"_s);
    QVERIFY(context.lines().contains(u"[shell] timed out after 0.3 s; stopping the command"_s));

    const QList<pid_t> pids = readPids();
    QCOMPARE(pids.size(), 2);
    // The shell was our child: it is gone, not left as a zombie.
    QVERIFY(::kill(pids[0], 0) == -1 && errno == ESRCH);
    // The sleep was the shell's: it is dead (an orphaned zombie at most, never ours).
    QVERIFY2(!isAlive(pids[1]), "the sleep inside sh -c survived");
    QVERIFY(parentOf(pids[1]) != ::getpid());
}

void TestShellOperator::cancellationKillsTheWholeProcessGroup()
{
    RecordingContext context(QJsonObject{{u"command"_s, kSleepInShell}}, m_workspace->path());
    TryOnWorker worker(m_operator, context);
    QTRY_COMPARE_WITH_TIMEOUT(readPids().size(), 2, 3000);
    QVERIFY(!worker.isDone());
    const QList<pid_t> pids = readPids();
    QVERIFY(isAlive(pids[0]));
    QVERIFY(isAlive(pids[1]));

    QElapsedTimer clock;
    clock.start();
    context.cancel();
    const TaskOutcome outcome = worker.wait();
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, u"cancelled"_s);
    QVERIFY(::kill(pids[0], 0) == -1 && errno == ESRCH);
    QVERIFY2(!isAlive(pids[1]), "the sleep inside sh -c survived");
    QVERIFY(parentOf(pids[1]) != ::getpid());
}

void TestShellOperator::timeoutStopsACommandStartedFromAThreadThatBlocksSignals()
{
    // A child inherits the signal mask of the thread that starts it. An executor thread that
    // blocks SIGTERM must not give the command a SIGTERM it cannot receive, which would leave
    // only the SIGKILL 5 s later.
    RecordingContext context(QJsonObject{{u"command"_s, kSleepInShell}, {u"timeout"_s, 0.3}},
                             m_workspace->path());
    TaskOutcome outcome;
    std::thread worker([this, &context, &outcome] {
        sigset_t blocked;
        sigemptyset(&blocked);
        sigaddset(&blocked, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
        outcome = m_operator->run(context);
    });
    worker.join();
    QCOMPARE(outcome.error, u"timed out after 0.3 s"_s);
    const QStringList lines = context.lines();
    QVERIFY2(!lines.contains(u"[shell] still running 5 s after SIGTERM; sending SIGKILL"_s),
             "the command did not end on SIGTERM");
    const QList<pid_t> pids = readPids();
    QCOMPARE(pids.size(), 2);
    QVERIFY(!isAlive(pids[0]));
    QVERIFY(!isAlive(pids[1]));
}

void TestShellOperator::stopsProcessesLeftBehind()
{
    // The shell exits at once, leaving a background sleep in its process group.
    RecordingContext context(QJsonObject{{u"command"_s, u"sleep 30 & echo $! > pids; echo ok"_s}},
                             m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result, QJsonValue(u"ok"_s));
    QVERIFY(
        context.lines().contains(u"[shell] the command left processes running; stopping them"_s));
    const QList<pid_t> pids = readPids();
    QCOMPARE(pids.size(), 1);
    QVERIFY2(!isAlive(pids[0]), "the background sleep survived the task");
}

void TestShellOperator::doesNotStartWhenAlreadyCancelled()
{
    RecordingContext context(QJsonObject{{u"command"_s, u"touch ran"_s}}, m_workspace->path());
    context.cancel();
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, u"cancelled"_s);
    QVERIFY(!QFile::exists(m_workspace->filePath(u"ran"_s)));
}

void TestShellOperator::rejectsBadParams_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QString>("error");

    const QJsonObject command{{u"command"_s, u"touch ran"_s}};
    auto with = [&command](const QString &key, const QJsonValue &value) {
        QJsonObject params = command;
        params.insert(key, value);
        return params;
    };
    QTest::newRow("command and argv")
        << with(u"argv"_s, QJsonArray{u"touch"_s, u"ran"_s})
        << u"both \"command\" and \"argv\" are given; give exactly one"_s;
    QTest::newRow("neither") << QJsonObject{{u"cwd"_s, u"."_s}}
                             << u"neither \"command\" nor \"argv\" is given; give exactly one"_s;
    QTest::newRow("unknown") << with(u"timout"_s, 3) << u"unknown parameter \"timout\""_s;
    QTest::newRow("command not a string")
        << QJsonObject{{u"command"_s, 42}} << u"\"command\" must be a string, got a number"_s;
    QTest::newRow("empty command")
        << QJsonObject{{u"command"_s, u"  "_s}} << u"\"command\" is empty"_s;
    QTest::newRow("empty argv") << QJsonObject{{u"argv"_s, QJsonArray()}}
                                << u"\"argv\" is empty; its first item is the program to run"_s;
    QTest::newRow("argv item") << QJsonObject{{u"argv"_s, QJsonArray{u"touch"_s, QJsonObject()}}}
                               << u"\"argv\"[1] must be a string, got an object"_s;
    QTest::newRow("env value") << with(u"env"_s, QJsonObject{{u"A"_s, QJsonArray()}})
                               << u"\"env\".A must be a string, got an array"_s;
    QTest::newRow("inherit_env") << with(u"inherit_env"_s, u"no"_s)
                                 << u"\"inherit_env\" must be a boolean, got a string"_s;
    QTest::newRow("zero timeout") << with(
        u"timeout"_s, 0) << u"\"timeout\" must be a number of seconds greater than 0, got 0"_s;
    QTest::newRow("skip code") << with(u"skip_exit_code"_s, 1.5)
                               << u"\"skip_exit_code\" must be an integer from 0 to 255, got 1.5"_s;
    QTest::newRow("result") << with(
        u"result"_s,
        u"xml"_s) << u"\"result\" must be \"last_line\", \"none\" or \"json\", got \"xml\""_s;
}

void TestShellOperator::rejectsBadParams()
{
    QFETCH(QJsonObject, params);
    QFETCH(QString, error);

    RecordingContext context(params, m_workspace->path());
    const TaskOutcome outcome = runTry(context);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error, error);
    QVERIFY(!QFile::exists(m_workspace->filePath(u"ran"_s)));
}

QTEST_GUILESS_MAIN(TestShellOperator)

#include "tst_shelloperator.moc"

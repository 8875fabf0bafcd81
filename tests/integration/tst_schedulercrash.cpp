// The scheduler killed in the middle of a DAG run: `millrace --headless` runs a DAG of shell
// tasks, gets SIGKILLed while two of them run, and is started again. Nothing is created twice,
// and each interrupted task follows its retry policy.

#include "core/scheduler/schedulerdb.h"
#include "core/store/schema.h"
#include "core/store/store.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <csignal>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

class TestSchedulerCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killedMidRunResumesWithoutDuplicates();

private:
    void startHeadless(QProcess &process);
    QList<DagRunRecord> runs();
    QHash<QString, TaskInstanceRecord> tasks(qint64 runRow);

    QString m_binary;
    QTemporaryDir m_dir;
};

void TestSchedulerCrash::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    QVERIFY(m_dir.isValid());
}

void TestSchedulerCrash::startHeadless(QProcess &process)
{
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(m_binary,
                  {u"--headless"_s, u"--tracking-port"_s, u"0"_s, u"--workspace"_s, m_dir.path()});
    QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += process.readAll()).contains("running headless"), 60000);
}

QList<DagRunRecord> TestSchedulerCrash::runs()
{
    // Read-only, as another process would while the app runs.
    auto store = Store::openReadOnly(m_dir.filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store)
        return {};
    auto runs =
        (*store)->read([](SQLite::Database &db) { return schedulerdb::runs(db, u"chain"_s, 100); });
    return runs ? *runs : QList<DagRunRecord>();
}

QHash<QString, TaskInstanceRecord> TestSchedulerCrash::tasks(qint64 runRow)
{
    auto store = Store::openReadOnly(m_dir.filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    QHash<QString, TaskInstanceRecord> byId;
    if (!store)
        return byId;
    auto tasks = (*store)->read(
        [runRow](SQLite::Database &db) { return schedulerdb::taskInstances(db, runRow); });
    if (tasks) {
        for (const TaskInstanceRecord &task : *tasks)
            byId.insert(task.taskId, task);
    }
    return byId;
}

void TestSchedulerCrash::killedMidRunResumesWithoutDuplicates()
{
    // Two hourly intervals are due at once (catchup), one run at a time. In each run two tasks
    // run side by side: one may retry, one may not.
    QDir(m_dir.path()).mkpath(u"dags"_s);
    QFile dag(m_dir.filePath(u"dags/chain.yaml"_s));
    QVERIFY(dag.open(QIODevice::WriteOnly));
    dag.write(
        QStringLiteral(R"(
schedule: "@every 1h"
start_date: %1
catchup: true
max_active_runs: 1
tasks:
  - id: retried
    operator: shell
    retries: 1
    retry_delay: 0s
    params: {command: "echo started >> retried.$MILLRACE_TRY_NUMBER; sleep 2"}
  - id: given_up
    operator: shell
    params: {command: "sleep 2"}
  - id: after
    operator: shell
    upstream: [retried]
    params: {command: "echo done"}
)")
            .arg(QDateTime::currentDateTimeUtc().addSecs(-2 * 3600 - 600).toString(Qt::ISODate))
            .toUtf8());
    dag.close();

    QProcess first;
    startHeadless(first);
    // Wait until both tasks of the first run are running, then kill without warning.
    qint64 firstRow = 0;
    QTRY_VERIFY_WITH_TIMEOUT(!runs().isEmpty(), 20000);
    firstRow = runs().last().row;
    QTRY_VERIFY_WITH_TIMEOUT(tasks(firstRow).value(u"retried"_s).state == TaskState::Running
                                 && tasks(firstRow).value(u"given_up"_s).state
                                        == TaskState::Running,
                             20000);
    QCOMPARE(runs().size(), 1); // the second interval waits for max_active_runs
    ::kill(pid_t(first.processId()), SIGKILL);
    QVERIFY(first.waitForFinished(5000));

    QProcess second;
    startHeadless(second);
    // The schedule resumes: both intervals end, each with exactly one run.
    QTRY_VERIFY_WITH_TIMEOUT(runs().size() == 2 && isFinished(runs().at(0).state)
                                 && isFinished(runs().at(1).state),
                             60000);
    QTest::qWait(1500); // a duplicate would have been created by now
    const QList<DagRunRecord> all = runs();
    QCOMPARE(all.size(), 2);
    QVERIFY(all[0].logicalDate != all[1].logicalDate);

    const auto interrupted = tasks(firstRow);
    // Retries left: tried again, and then its downstream task ran.
    QVERIFY(interrupted[u"retried"_s].state == TaskState::Success);
    QCOMPARE(interrupted[u"retried"_s].tryNumber, 2);
    QVERIFY(interrupted[u"after"_s].state == TaskState::Success);
    QVERIFY(QFile::exists(m_dir.filePath(u"retried.1"_s)));
    QVERIFY(QFile::exists(m_dir.filePath(u"retried.2"_s)));
    // No retries left: failed, saying why; so the run failed.
    QVERIFY(interrupted[u"given_up"_s].state == TaskState::Failed);
    QVERIFY2(interrupted[u"given_up"_s].message.contains(u"interrupted"_s),
             qPrintable(interrupted[u"given_up"_s].message));
    const DagRunRecord firstRun =
        *std::find_if(all.begin(), all.end(), [&](const auto &run) { return run.row == firstRow; });
    QVERIFY(firstRun.state == RunState::Failed);
    // The second run was never interrupted.
    const DagRunRecord secondRun = all[0].row == firstRow ? all[1] : all[0];
    QVERIFY(secondRun.state == RunState::Success);

    ::kill(pid_t(second.processId()), SIGTERM);
    QVERIFY(second.waitForFinished(10000));
}

QTEST_GUILESS_MAIN(TestSchedulerCrash)
#include "tst_schedulercrash.moc"

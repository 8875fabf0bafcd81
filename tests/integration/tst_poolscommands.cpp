// `millrace pools` as scripts use it: against a workspace nobody holds (changes go straight into
// it) and against one whose scheduler runs in this process (changes go through
// scheduler_requests), with the refusals of bad input and of pools in use.

#include "schedulercli.h"

#include "core/base/servicethread.h"
#include "core/scheduler/builtinoperators.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/workspace/workspace.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>

#include <memory>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// One noop task in pool "gate", which the test creates with no slots, so the task waits for it.
const QString kGatedDag = uR"(schedule: none
tasks:
  - {id: through, operator: noop, pool: gate}
)"_s;

struct StoredPool
{
    int slots = 0;
    QString description;
    bool operator==(const StoredPool &other) const = default;
};

} // namespace

class TestPoolsCommands : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void changesWithoutTheAppGoStraightIn();
    void refusesBadInput_data();
    void refusesBadInput();
    void runningSchedulerAppliesPoolRequests();

private:
    using Outcome = schedulercli::Outcome;
    Outcome run(const QStringList &arguments)
    {
        return schedulercli::run(m_binary, m_dir->path(), arguments);
    }
    QJsonObject poolJson(const QString &name);
    QMap<QString, StoredPool> storedPools();
    void startScheduler();

    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_dir;
    NoopOperator m_noop;
    OperatorCatalog m_catalog;
    schedulercli::HeldWorkspace m_held;
};

void TestPoolsCommands::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    m_catalog.add(u"noop"_s, &m_noop, u"built-in"_s);
}

void TestPoolsCommands::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // A workspace as the app leaves it: its database and folders, nobody holding it.
    auto workspace = Workspace::open(m_dir->path());
    QVERIFY2(workspace, qPrintable(workspace.errorMessage()));
    workspace->reset();
    QFile dag(m_dir->filePath(u"dags/gated.yaml"_s));
    QVERIFY(dag.open(QIODevice::WriteOnly));
    dag.write(kGatedDag.toUtf8());
}

void TestPoolsCommands::cleanup()
{
    m_held.stop();
    m_dir.reset();
}

// The pool `name` as `pools list --json` shows it ({} when it is not listed).
QJsonObject TestPoolsCommands::poolJson(const QString &name)
{
    const Outcome listed = run({u"pools"_s, u"list"_s, u"--json"_s});
    if (listed.exitCode != 0)
        qWarning().noquote() << "pools list failed:" << listed.err;
    const QJsonObject json = QJsonDocument::fromJson(listed.out.toUtf8()).object();
    for (const QJsonValue &pool : json.value(u"pools"_s).toArray()) {
        if (pool.toObject().value(u"name"_s).toString() == name)
            return pool.toObject();
    }
    return {};
}

QMap<QString, StoredPool> TestPoolsCommands::storedPools()
{
    auto store = Store::openReadOnly(m_dir->filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store)
        return {};
    auto pools = (*store)->read([](SQLite::Database &db) { return schedulerdb::pools(db); });
    QMap<QString, StoredPool> byName;
    if (pools) {
        for (const PoolRecord &pool : *pools)
            byName.insert(pool.name, StoredPool{pool.slots, pool.description});
    }
    return byName;
}

void TestPoolsCommands::startScheduler()
{
    m_held.start(m_dir->path(), m_catalog);
}

void TestPoolsCommands::changesWithoutTheAppGoStraightIn()
{
    // A new workspace's pools.
    Outcome listed = run({u"pools"_s, u"list"_s});
    QCOMPARE(listed.exitCode, 0);
    QStringList lines = listed.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[0].startsWith(u"POOL"_s) && lines[0].contains(u"OPEN"_s), qPrintable(lines[0]));
    QVERIFY2(lines[1].startsWith(u"default_pool "_s) && lines[1].contains(u" 16 "_s),
             qPrintable(lines[1]));
    QVERIFY2(lines[2].startsWith(u"training "_s), qPrintable(lines[2]));

    Outcome set =
        run({u"pools"_s, u"set"_s, u"narrow"_s, u"2"_s, u"--description"_s, u"two at a time"_s});
    QCOMPARE(set.exitCode, 0);
    QCOMPARE(set.out, u"created pool narrow with 2 slots\n"_s);
    QCOMPARE(storedPools().value(u"narrow"_s), (StoredPool{2, u"two at a time"_s}));
    // A resize keeps the description unless given one.
    set = run({u"pools"_s, u"set"_s, u"narrow"_s, u"3"_s});
    QCOMPARE(set.exitCode, 0);
    QCOMPARE(set.out, u"set pool narrow to 3 slots (was 2)\n"_s);
    QCOMPARE(storedPools().value(u"narrow"_s), (StoredPool{3, u"two at a time"_s}));
    QCOMPARE(run({u"pools"_s, u"set"_s, u"spare"_s, u"0"_s}).exitCode, 0);

    // A run the app left with one task of narrow running (2 slots) and one waiting.
    {
        auto workspace = Workspace::open(m_dir->path());
        QVERIFY2(workspace, qPrintable(workspace.errorMessage()));
        Result<void> written = (*workspace)
                                   ->store()
                                   .write([](SQLite::Database &db) {
                                       DagRunRecord run;
                                       run.row = 1;
                                       run.dagId = u"wide"_s;
                                       run.runId = u"left-running"_s;
                                       run.state = RunState::Running;
                                       run.logicalDate = QDateTime::currentDateTimeUtc();
                                       run.queuedAt = run.logicalDate;
                                       schedulerdb::insertRun(db, run);
                                       for (const auto &[id, state, slots] :
                                            {std::tuple{u"a"_s, TaskState::Running, 2},
                                             std::tuple{u"b"_s, TaskState::Scheduled, 1}}) {
                                           TaskInstanceRecord task;
                                           task.runRow = 1;
                                           task.taskId = id;
                                           task.state = state;
                                           task.operatorId = u"noop"_s;
                                           task.pool = u"narrow"_s;
                                           task.poolSlots = slots;
                                           schedulerdb::saveTaskInstance(db, task);
                                       }
                                   })
                                   .result();
        QVERIFY2(written, qPrintable(written.errorMessage()));
    }
    const QJsonObject narrow = poolJson(u"narrow"_s);
    QCOMPARE(narrow.value(u"slots"_s).toInt(), 3);
    QCOMPARE(narrow.value(u"running_slots"_s).toInt(), 2);
    QCOMPARE(narrow.value(u"queued_slots"_s).toInt(), 1);
    QCOMPARE(narrow.value(u"open_slots"_s).toInt(), 1);
    QCOMPARE(narrow.value(u"running_tasks"_s).toInt(), 1);
    QCOMPARE(narrow.value(u"queued_tasks"_s).toInt(), 1);
    QCOMPARE(narrow.value(u"description"_s).toString(), u"two at a time"_s);
    QCOMPARE(poolJson(u"default_pool"_s).value(u"open_slots"_s).toInt(), 16);
    listed = run({u"pools"_s, u"list"_s});
    lines = listed.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines[2].simplified(), u"narrow 3 2 1 1 two at a time"_s);

    // In use: refused, saying by what.
    Outcome deleted = run({u"pools"_s, u"delete"_s, u"narrow"_s});
    QCOMPARE(deleted.exitCode, 1);
    QCOMPARE(deleted.err, u"millrace pools: pool \"narrow\" is in use (1 task instance running, 1 "
                          u"task instance waiting for a slot); delete it once they are done\n"_s);
    QVERIFY(deleted.out.isEmpty());
    QVERIFY(storedPools().contains(u"narrow"_s));

    deleted = run({u"pools"_s, u"delete"_s, u"spare"_s});
    QCOMPARE(deleted.exitCode, 0);
    QCOMPARE(deleted.out, u"deleted pool spare\n"_s);
    QCOMPARE(storedPools().keys(), (QStringList{u"default_pool"_s, u"narrow"_s, u"training"_s}));
    QVERIFY(poolJson(u"spare"_s).isEmpty());
}

void TestPoolsCommands::refusesBadInput_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");

    const auto pools = [](QStringList arguments) { return QStringList{u"pools"_s} + arguments; };
    QTest::newRow("no action") << pools({}) << 2 << u"which pools command?"_s;
    QTest::newRow("unknown action")
        << pools({u"resize"_s}) << 2 << u"unknown pools command \"resize\""_s;
    QTest::newRow("list with an argument")
        << pools({u"list"_s, u"x"_s}) << 2 << u"list takes no arguments"_s;
    QTest::newRow("set without slots")
        << pools({u"set"_s, u"x"_s}) << 2 << u"set takes a pool name and a number of slots"_s;
    QTest::newRow("slots not a number") << pools({u"set"_s, u"x"_s, u"two"_s}) << 2
                                        << u"SLOTS is a whole number (0 or more), not \"two\""_s;
    QTest::newRow("negative slots") << pools({u"set"_s, u"training"_s, u"-1"_s}) << 2
                                    << u"a pool's slots cannot be negative (-1 for \"training\")"_s;
    QTest::newRow("empty name") << pools({u"set"_s, u""_s, u"1"_s}) << 2
                                << u"a pool needs a name"_s;
    QTest::newRow("bad characters") << pools({u"set"_s, u"gpu pool"_s, u"1"_s}) << 2
                                    << u"\"gpu pool\" is not a valid pool name"_s;
    QTest::newRow("name too long")
        << pools({u"set"_s, QString(257, u'p'), u"1"_s}) << 2 << u"at most 256 characters"_s;
    QTest::newRow("unknown option")
        << pools({u"set"_s, u"x"_s, u"1"_s, u"--slots"_s}) << 2 << u"unknown option \"--slots\""_s;
    QTest::newRow("json for set") << pools({u"set"_s, u"x"_s, u"1"_s, u"--json"_s}) << 2
                                  << u"--json is for list"_s;
    QTest::newRow("delete default_pool")
        << pools({u"delete"_s, u"default_pool"_s}) << 1 << u"default_pool cannot be deleted"_s;
    QTest::newRow("delete an unknown pool")
        << pools({u"delete"_s, u"nope"_s}) << 1 << u"there is no pool \"nope\""_s;
}

void TestPoolsCommands::refusesBadInput()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);

    const QMap<QString, StoredPool> before = storedPools();
    QCOMPARE(before.keys(), (QStringList{u"default_pool"_s, u"training"_s}));
    const Outcome outcome = run(arguments);
    QCOMPARE(outcome.exitCode, exitCode);
    QVERIFY2(outcome.err.startsWith(u"millrace pools: "_s) && outcome.err.contains(message),
             qPrintable(outcome.err));
    if (exitCode == 2)
        QVERIFY2(outcome.err.contains(u"usage: millrace [--workspace DIR] pools"_s),
                 qPrintable(outcome.err));
    QVERIFY(outcome.out.isEmpty());
    // Nothing was changed on the way.
    QCOMPARE(storedPools(), before);
}

void TestPoolsCommands::runningSchedulerAppliesPoolRequests()
{
    startScheduler();
    QVERIFY(!Workspace::inspect(m_dir->path()).holder.isEmpty());

    // Through scheduler_requests: the running scheduler creates the pool and answers.
    Outcome set = run({u"pools"_s, u"set"_s, u"gate"_s, u"0"_s, u"--description"_s, u"closed"_s});
    QCOMPARE(set.exitCode, 0);
    QCOMPARE(set.out, u"created pool gate with 0 slots\n"_s);
    QTRY_COMPARE_WITH_TIMEOUT(storedPools().value(u"gate"_s), (StoredPool{0, u"closed"_s}), 5000);

    // A task of the pool waits while it has no slots.
    const Outcome triggered =
        run({u"dags"_s, u"trigger"_s, u"gated"_s, u"--run-id"_s, u"through-the-gate"_s});
    QCOMPARE(triggered.exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(poolJson(u"gate"_s).value(u"queued_tasks"_s).toInt(), 1, 10000);
    QCOMPARE(poolJson(u"gate"_s).value(u"open_slots"_s).toInt(), 0);

    // The scheduler's refusals come back: the pool is in use, default_pool stays.
    Outcome deleted = run({u"pools"_s, u"delete"_s, u"gate"_s});
    QCOMPARE(deleted.exitCode, 1);
    QVERIFY2(
        deleted.err.contains(u"pool \"gate\" is in use (1 task instance waiting for a slot)"_s),
        qPrintable(deleted.err));
    deleted = run({u"pools"_s, u"delete"_s, u"default_pool"_s});
    QCOMPARE(deleted.exitCode, 1);
    QVERIFY2(deleted.err.contains(u"default_pool cannot be deleted"_s), qPrintable(deleted.err));
    QVERIFY(storedPools().contains(u"gate"_s));

    // Opening the pool lets the waiting task through at once.
    set = run({u"pools"_s, u"set"_s, u"gate"_s, u"1"_s});
    QCOMPARE(set.exitCode, 0);
    QCOMPARE(set.out, u"set pool gate to 1 slot (was 0)\n"_s);
    const auto runState = [this]() -> std::optional<RunState> {
        auto store = Store::openReadOnly(m_dir->filePath(u"millrace.db"_s), millraceMigrations(),
                                         kMillraceApplicationId);
        if (!store)
            return std::nullopt;
        auto run = (*store)->read([](SQLite::Database &db) {
            return schedulerdb::run(db, u"gated"_s, u"through-the-gate"_s);
        });
        return run && *run ? std::optional((*run)->state) : std::nullopt;
    };
    QTRY_VERIFY_WITH_TIMEOUT(runState() == RunState::Success, 10000);
    QCOMPARE(storedPools().value(u"gate"_s), (StoredPool{1, u"closed"_s}));

    deleted = run({u"pools"_s, u"delete"_s, u"gate"_s});
    QCOMPARE(deleted.exitCode, 0);
    QCOMPARE(deleted.out, u"deleted pool gate\n"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!storedPools().contains(u"gate"_s), 5000);

    // A scheduler that does not answer: the request stays queued, and the user is told.
    m_held.stopScheduler(); // the workspace stays held, with nobody applying requests
    const Outcome unanswered = run({u"pools"_s, u"set"_s, u"gate"_s, u"2"_s, u"--wait"_s, u"1"_s});
    QCOMPARE(unanswered.exitCode, 1);
    QVERIFY2(unanswered.err.contains(u"the request is queued"_s), qPrintable(unanswered.err));
    QVERIFY(!storedPools().contains(u"gate"_s));
}

QTEST_GUILESS_MAIN(TestPoolsCommands)
#include "tst_poolscommands.moc"

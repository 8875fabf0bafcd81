#include "core/store/schema.h"
#include "core/store/store.h"
#include "tests/unit/store/testschema.h"

#include <QDir>
#include <QFile>
#include <QFutureWatcher>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

std::string nativePath(const QString &path)
{
    return QFile::encodeName(path).toStdString();
}

QByteArray contentsOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList namesOf(SQLite::Database &db, const char *sql)
{
    QStringList names;
    SQLite::Statement query(db, sql);
    while (query.executeStep())
        names.append(QString::fromStdString(query.getColumn(0).getString()));
    return names;
}

QStringList runNames(SQLite::Database &db)
{
    return namesOf(db, "SELECT name FROM runs ORDER BY name");
}

void insertRun(SQLite::Database &db, const std::string &name)
{
    SQLite::Statement insert(db, "INSERT INTO runs(name) VALUES (?)");
    insert.bind(1, name);
    insert.exec();
}

// Holds the store's writer thread inside a write until released, so the writes queued meanwhile
// are known to form the next batch. Released on scope exit even when a check fails, so the
// store can still close.
class WriterGate
{
public:
    explicit WriterGate(Store &store, Store::WriteFunction whileHeld = {})
        : m_state(std::make_shared<State>())
    {
        m_future = store.write([state = m_state, whileHeld](SQLite::Database &db) {
            if (whileHeld)
                whileHeld(db);
            state->entered.release();
            state->released.acquire();
        });
    }
    ~WriterGate() { release(); }

    /// True once the writer runs the gate's write (waits for it, up to a hang guard).
    bool waitUntilHeld() { return m_state->entered.tryAcquire(1, 30000); }
    void release()
    {
        if (!m_isReleased)
            m_state->released.release();
        m_isReleased = true;
    }
    QFuture<Result<void>> future() const { return m_future; }

private:
    struct State
    {
        QSemaphore entered;
        QSemaphore released;
    };
    std::shared_ptr<State> m_state;
    QFuture<Result<void>> m_future;
    bool m_isReleased = false;
};

enum class WriteFailure { StdException, SqlConstraint, NonStdException };

} // namespace

Q_DECLARE_METATYPE(WriteFailure)

class TestStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    // Opening and migrating
    void migratesFromEveryEarlierVersion_data();
    void migratesFromEveryEarlierVersion();
    void createsMillraceSchema_data();
    void createsMillraceSchema();
    void refusesAndLeavesFileUntouched_data();
    void refusesAndLeavesFileUntouched();
    void failingMigrationKeepsPreviousVersion();

    // Writing and reading
    void groupsConcurrentWritesIntoOneCommit();
    void failingWriteIsUndoneAlone_data();
    void failingWriteIsUndoneAlone();
    void readsSeeOnlyCommittedWrites();
    void readAsyncDeliversOnThePool();
    void readErrorsBecomeResults();
    void closeFinishesQueuedWritesThenRefuses();

private:
    std::unique_ptr<Store> openTestStore();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(u"test.db"_s);
}

void TestStore::cleanup()
{
    m_dir.reset();
}

std::unique_ptr<Store> TestStore::openTestStore()
{
    Result<std::unique_ptr<Store>> store =
        Store::open(m_path, testschema::kMigrations, testschema::kApplicationId);
    if (!store) {
        qWarning().noquote() << store.errorMessage();
        return nullptr;
    }
    return std::move(store).value();
}

void TestStore::migratesFromEveryEarlierVersion_data()
{
    QTest::addColumn<int>("version");
    for (int version = 0; version <= testschema::kLatestVersion; ++version)
        QTest::addRow("from version %d", version) << version;
}

void TestStore::migratesFromEveryEarlierVersion()
{
    QFETCH(int, version);

    {
        SQLite::Database db(nativePath(m_path), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        const Migrator migrator(testschema::kMigrations, testschema::kApplicationId);
        QCOMPARE(migrator.migrate(db, version).value(), version);
        testschema::seedRun(db, version, "first", 0.5);
        testschema::seedRun(db, version, "second", 0.25);
    }

    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), testschema::kLatestVersion);
    QCOMPARE(store->path(), m_path);

    const auto rows = store->read([](SQLite::Database &db) {
        QStringList rows;
        SQLite::Statement query(db, "SELECT r.name, r.status, e.name, coalesce(k.key, '-'),"
                                    " coalesce(v.value, -1)"
                                    " FROM runs r JOIN experiments e ON e.id = r.experiment_id"
                                    " LEFT JOIN metric_values v ON v.run_id = r.id"
                                    " LEFT JOIN metric_keys k ON k.id = v.key_id ORDER BY r.name");
        while (query.executeStep()) {
            rows.append(u"%1 %2 %3 %4=%5"_s
                            .arg(QString::fromStdString(query.getColumn(0).getString()),
                                 QString::fromStdString(query.getColumn(1).getString()),
                                 QString::fromStdString(query.getColumn(2).getString()),
                                 QString::fromStdString(query.getColumn(3).getString()))
                            .arg(query.getColumn(4).getDouble()));
        }
        return rows;
    });
    QVERIFY2(rows, qPrintable(rows.errorMessage()));

    QStringList expected;
    if (version == 1) {
        // Runs from before statuses and metrics existed get the defaults.
        expected = {u"first finished Default -=-1"_s, u"second finished Default -=-1"_s};
    } else if (version >= 2) {
        expected = {u"first failed Default loss=0.5"_s, u"second failed Default loss=0.25"_s};
    }
    QCOMPARE(*rows, expected);

    // And the file says so to whoever opens it next.
    SQLite::Database check(nativePath(m_path), SQLite::OPEN_READONLY);
    QCOMPARE(Migrator::currentVersion(check), testschema::kLatestVersion);
    QCOMPARE(check.execAndGet("PRAGMA application_id").getInt(), testschema::kApplicationId);
    QVERIFY(!check.tableExists("metrics"));
}

void TestStore::createsMillraceSchema_data()
{
    QTest::addColumn<QString>("relativePath");
    QTest::addColumn<bool>("createEmptyFile");

    QTest::newRow("empty file") << u"millrace.db"_s << true;
    QTest::newRow("no file, no folder yet") << u"new/folder/millrace.db"_s << false;
}

void TestStore::createsMillraceSchema()
{
    QFETCH(QString, relativePath);
    QFETCH(bool, createEmptyFile);

    const QString path = m_dir->filePath(relativePath);
    if (createEmptyFile) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    const int latest = int(millraceMigrations().size());
    QVERIFY(latest >= 1);
    for (int opening = 0; opening < 2; ++opening) {
        Result<std::unique_ptr<Store>> store = Store::openMillrace(path);
        QVERIFY2(store, qPrintable(store.errorMessage()));
        QCOMPARE((*store)->schemaVersion(), latest);
    }

    SQLite::Database db(nativePath(path), SQLite::OPEN_READONLY);
    QCOMPARE(Migrator::currentVersion(db), latest);
    QCOMPARE(db.execAndGet("PRAGMA application_id").getInt(), kMillraceApplicationId);
    QCOMPARE(QString::fromStdString(db.execAndGet("PRAGMA journal_mode").getString()), u"wal"_s);
    QVERIFY(db.tableExists("app_state"));
}

void TestStore::refusesAndLeavesFileUntouched_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<QString>("reason");

    QTest::newRow("newer schema") << QByteArray("newer") << u"newer"_s;
    QTest::newRow("another program's database") << QByteArray("foreign") << u"another program"_s;
    QTest::newRow("unmarked database with tables")
        << QByteArray("unmarked") << u"another program"_s;
    QTest::newRow("random bytes") << QByteArray("random") << u"not a database"_s;
    QTest::newRow("text file") << QByteArray("text") << u"not a database"_s;
}

void TestStore::refusesAndLeavesFileUntouched()
{
    QFETCH(QByteArray, kind);
    QFETCH(QString, reason);

    if (kind == "newer" || kind == "foreign" || kind == "unmarked") {
        SQLite::Database db(nativePath(m_path), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE notes (text TEXT)");
        db.exec("INSERT INTO notes VALUES ('keep me')");
        if (kind == "newer") {
            db.exec("PRAGMA application_id = " + std::to_string(testschema::kApplicationId));
            db.exec("PRAGMA user_version = 99");
        } else if (kind == "foreign") {
            db.exec("PRAGMA application_id = 305419896"); // 0x12345678
            db.exec("PRAGMA user_version = 1");
        }
    } else {
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        if (kind == "random") {
            QRandomGenerator random(20240611);
            QByteArray bytes(4096, Qt::Uninitialized);
            random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
            file.write(bytes);
        } else {
            file.write("These are my notes, not a database.\nSecond line.\n");
        }
    }
    const QByteArray before = contentsOf(m_path);
    QVERIFY(!before.isEmpty());

    Result<std::unique_ptr<Store>> store =
        Store::open(m_path, testschema::kMigrations, testschema::kApplicationId);
    QVERIFY(!store);
    QVERIFY2(store.errorMessage().contains(reason), qPrintable(store.errorMessage()));
    QVERIFY2(store.errorMessage().contains(m_path), qPrintable(store.errorMessage()));

    // Not a byte changed, and no journal or WAL files were left next to it.
    QCOMPARE(contentsOf(m_path), before);
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files), QStringList{u"test.db"_s});
    if (kind == "newer" || kind == "foreign" || kind == "unmarked") {
        SQLite::Database db(nativePath(m_path), SQLite::OPEN_READONLY);
        QCOMPARE(Migrator::currentVersion(db), kind == "newer" ? 99 : kind == "foreign" ? 1 : 0);
        QCOMPARE(namesOf(db, "SELECT name FROM sqlite_schema"), QStringList{u"notes"_s});
        QCOMPARE(QString::fromStdString(db.execAndGet("PRAGMA journal_mode").getString()),
                 u"delete"_s);
    }
}

void TestStore::failingMigrationKeepsPreviousVersion()
{
    {
        SQLite::Database db(nativePath(m_path), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        Migrator(testschema::kMigrations, testschema::kApplicationId).migrate(db, 1).value();
        testschema::seedRun(db, 1, "old run", 0);
    }
    const std::vector<Migration> broken = {testschema::kMigrations[0], testschema::kMigrations[1],
                                           testschema::failingStep(3, false)};
    Result<std::unique_ptr<Store>> store = Store::open(m_path, broken, testschema::kApplicationId);
    QVERIFY(!store);
    QVERIFY2(store.errorMessage().contains(u"disk quota exceeded"_s),
             qPrintable(store.errorMessage()));
    {
        SQLite::Database db(nativePath(m_path), SQLite::OPEN_READONLY);
        QCOMPARE(Migrator::currentVersion(db), 2);
        QVERIFY(!db.tableExists("half_done"));
        QCOMPARE(runNames(db), QStringList{u"old run"_s});
    }

    const std::unique_ptr<Store> fixed = openTestStore();
    QVERIFY(fixed);
    QCOMPARE(fixed->schemaVersion(), testschema::kLatestVersion);
    QCOMPARE(fixed->read(runNames).value(), QStringList{u"old run"_s});
}

void TestStore::groupsConcurrentWritesIntoOneCommit()
{
    constexpr int kThreads = 4;
    constexpr int kWritesPerThread = 50;
    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);

    WriterGate gate(*store);
    QVERIFY(gate.waitUntilHeld());
    std::vector<std::vector<QFuture<Result<void>>>> futures(kThreads);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&store, &futures, t] {
            for (int i = 0; i < kWritesPerThread; ++i) {
                const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
                futures[size_t(t)].push_back(
                    store->write([name](SQLite::Database &db) { insertRun(db, name); }));
            }
        });
    }
    for (std::thread &writer : writers)
        writer.join();
    for (const auto &perThread : futures) {
        for (const QFuture<Result<void>> &future : perThread)
            QVERIFY(!future.isFinished()); // nothing commits while the writer is held
    }
    gate.release();

    for (const auto &perThread : futures) {
        for (const QFuture<Result<void>> &future : perThread) {
            const Result<void> result = future.result();
            QVERIFY2(result, qPrintable(result.errorMessage()));
        }
    }
    QVERIFY(gate.future().result());
    // The gate's batch, then one batch with every write queued meanwhile.
    QCOMPARE(store->committedBatches(), quint64(2));
    QCOMPARE(store
                 ->read([](SQLite::Database &db) {
                     return db.execAndGet("SELECT count(DISTINCT name) FROM runs").getInt();
                 })
                 .value(),
             kThreads * kWritesPerThread);
}

void TestStore::failingWriteIsUndoneAlone_data()
{
    QTest::addColumn<WriteFailure>("failure");
    QTest::addColumn<QString>("reason");

    QTest::newRow("throws std::runtime_error")
        << WriteFailure::StdException << u"rejected: experiment is archived"_s;
    QTest::newRow("violates a constraint")
        << WriteFailure::SqlConstraint << u"UNIQUE constraint failed: runs.name"_s;
    QTest::newRow("throws something else") << WriteFailure::NonStdException << u"unknown"_s;
}

void TestStore::failingWriteIsUndoneAlone()
{
    QFETCH(WriteFailure, failure);
    QFETCH(QString, reason);

    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    WriterGate gate(*store);
    QVERIFY(gate.waitUntilHeld());

    QFuture<Result<void>> before =
        store->write([](SQLite::Database &db) { insertRun(db, "before"); });
    QFuture<Result<void>> failing = store->write([failure](SQLite::Database &db) {
        insertRun(db, "doomed");
        db.exec("UPDATE runs SET status = 'crashed' WHERE name = 'before'");
        switch (failure) {
        case WriteFailure::StdException:
            throw std::runtime_error("rejected: experiment is archived");
        case WriteFailure::SqlConstraint:
            insertRun(db, "before");
            break;
        case WriteFailure::NonStdException:
            throw 42;
        }
    });
    QFuture<Result<void>> after =
        store->write([](SQLite::Database &db) { insertRun(db, "after"); });
    gate.release();

    QVERIFY2(before.result(), qPrintable(before.result().errorMessage()));
    QVERIFY2(after.result(), qPrintable(after.result().errorMessage()));
    const Result<void> failed = failing.result();
    QVERIFY(!failed);
    QVERIFY2(failed.errorMessage().contains(reason), qPrintable(failed.errorMessage()));
    // All three were in one batch, and only the failing one left no trace.
    QCOMPARE(store->committedBatches(), quint64(2));
    QCOMPARE(store
                 ->read([](SQLite::Database &db) {
                     return namesOf(db, "SELECT name || ':' || status FROM runs ORDER BY id");
                 })
                 .value(),
             QStringList({u"before:finished"_s, u"after:finished"_s}));

    // The store keeps working.
    QVERIFY(store->write([](SQLite::Database &db) { insertRun(db, "later"); }).result());
    QCOMPARE(store->read(runNames).value(), QStringList({u"after"_s, u"before"_s, u"later"_s}));
}

void TestStore::readsSeeOnlyCommittedWrites()
{
    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    const auto namesOnAnotherThread = [&store] {
        return QtConcurrent::run([&store] { return store->read(runNames); }).result();
    };

    // The writer has inserted a row but not committed it yet.
    WriterGate gate(*store, [](SQLite::Database &db) { insertRun(db, "pending"); });
    QVERIFY(gate.waitUntilHeld());
    const Result<QStringList> whileOpen = namesOnAnotherThread();
    QVERIFY2(whileOpen, qPrintable(whileOpen.errorMessage()));
    QCOMPARE(*whileOpen, QStringList());
    QCOMPARE(store->read(runNames).value(), QStringList());

    gate.release();
    QVERIFY(gate.future().result());
    QCOMPARE(namesOnAnotherThread().value(), QStringList{u"pending"_s});
    QCOMPARE(store->read(runNames).value(), QStringList{u"pending"_s});
}

void TestStore::readAsyncDeliversOnThePool()
{
    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    QVERIFY(store->write([](SQLite::Database &db) { insertRun(db, "shown in the UI"); }).result());

    QThread *readThread = nullptr;
    QFutureWatcher<Result<QStringList>> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(store->readAsync([&readThread](SQLite::Database &db) {
        readThread = QThread::currentThread();
        return runNames(db);
    }));
    QTRY_COMPARE(finished.count(), 1);
    const Result<QStringList> names = watcher.future().result();
    QVERIFY2(names, qPrintable(names.errorMessage()));
    QCOMPARE(*names, QStringList{u"shown in the UI"_s});
    QVERIFY(readThread && readThread != QThread::currentThread());
}

void TestStore::readErrorsBecomeResults()
{
    const std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    const Result<int> direct = store->read(
        [](SQLite::Database &db) { return db.execAndGet("SELECT count(*) FROM nope").getInt(); });
    QVERIFY(!direct);
    QVERIFY2(direct.errorMessage().contains(u"no such table: nope"_s),
             qPrintable(direct.errorMessage()));
    QVERIFY2(direct.errorMessage().contains(m_path), qPrintable(direct.errorMessage()));

    const Result<int> async = store
                                  ->readAsync([](SQLite::Database &db) {
                                      return db.execAndGet("SELECT x FROM nope").getInt();
                                  })
                                  .result();
    QVERIFY(!async);
    QVERIFY2(async.errorMessage().contains(u"no such table: nope"_s),
             qPrintable(async.errorMessage()));

    // Read connections are read-only: a read cannot write by mistake.
    const Result<void> sneakyWrite =
        store->read([](SQLite::Database &db) { insertRun(db, "sneaky"); });
    QVERIFY(!sneakyWrite);
    QCOMPARE(store->read(runNames).value(), QStringList());
}

void TestStore::closeFinishesQueuedWritesThenRefuses()
{
    std::unique_ptr<Store> store = openTestStore();
    QVERIFY(store);
    std::vector<QFuture<Result<void>>> queued;
    for (int i = 0; i < 20; ++i) {
        const std::string name = "queued-" + std::to_string(i);
        queued.push_back(store->write([name](SQLite::Database &db) { insertRun(db, name); }));
    }
    store->close();
    for (const QFuture<Result<void>> &future : queued) {
        QVERIFY(future.isFinished());
        QVERIFY2(future.result(), qPrintable(future.result().errorMessage()));
    }

    QFuture<Result<void>> late =
        store->write([](SQLite::Database &db) { insertRun(db, "too late"); });
    QVERIFY(late.isFinished());
    QVERIFY(!late.result());
    QVERIFY2(late.result().errorMessage().contains(u"closed"_s),
             qPrintable(late.result().errorMessage()));
    store->close(); // closing twice is harmless
    store.reset();

    // Everything acknowledged is on disk; the late write is not.
    const std::unique_ptr<Store> reopened = openTestStore();
    QVERIFY(reopened);
    const QStringList names = reopened->read(runNames).value();
    QCOMPARE(names.size(), 20);
    QVERIFY(!names.contains(u"too late"_s));
}

QTEST_GUILESS_MAIN(TestStore)

#include "tst_store.moc"

#include "core/store/migrator.h"
#include "tests/unit/store/testschema.h"

#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <vector>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

std::string pathIn(const QTemporaryDir &dir, const QString &name)
{
    return QFile::encodeName(dir.filePath(name)).toStdString();
}

QStringList tablesOf(SQLite::Database &db)
{
    QStringList tables;
    SQLite::Statement query(db,
                            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    while (query.executeStep())
        tables.append(QString::fromStdString(query.getColumn(0).getString()));
    return tables;
}

int pragma(SQLite::Database &db, const char *name)
{
    return db.execAndGet(std::string("PRAGMA ") + name).getInt();
}

} // namespace

class TestMigrator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void migratesToEachTarget_data();
    void migratesToEachTarget();
    void defaultTargetIsTheLatest();
    void neverMigratesBackwards();
    void failingStepKeepsTheLastWholeStep_data();
    void failingStepKeepsTheLastWholeStep();
    void refusesANewerSchema();
    void refusesAnotherProgramsDatabase();

private:
    QTemporaryDir m_dir;
    int m_fileCounter = 0;
    std::string freshPath() { return pathIn(m_dir, u"db%1.sqlite"_s.arg(++m_fileCounter)); }
};

void TestMigrator::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestMigrator::migratesToEachTarget_data()
{
    QTest::addColumn<int>("target");
    QTest::addColumn<QStringList>("tables");

    QTest::newRow("0") << 0 << QStringList();
    QTest::newRow("1") << 1 << QStringList{u"runs"_s};
    QTest::newRow("2") << 2 << QStringList{u"metrics"_s, u"runs"_s};
    QTest::newRow("3") << 3 << QStringList{u"experiments"_s, u"metrics"_s, u"runs"_s};
    QTest::newRow("4") << 4
                       << QStringList{u"experiments"_s, u"metric_keys"_s, u"metric_values"_s,
                                      u"runs"_s};
}

void TestMigrator::migratesToEachTarget()
{
    QFETCH(int, target);
    QFETCH(QStringList, tables);

    const Migrator migrator(testschema::kMigrations, testschema::kApplicationId);
    QCOMPARE(migrator.latestVersion(), 4);
    SQLite::Database db(freshPath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    const Result<int> reached = migrator.migrate(db, target);
    QVERIFY2(reached, qPrintable(reached.errorMessage()));
    QCOMPARE(*reached, target);
    QCOMPARE(Migrator::currentVersion(db), target);
    QCOMPARE(tablesOf(db), tables);
    // The file is marked as ours once the first step ran.
    QCOMPARE(pragma(db, "application_id"), target > 0 ? testschema::kApplicationId : 0);
}

void TestMigrator::defaultTargetIsTheLatest()
{
    const Migrator migrator(testschema::kMigrations, testschema::kApplicationId);
    SQLite::Database db(freshPath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    QCOMPARE(migrator.migrate(db).value(), 4);
    QCOMPARE(Migrator::currentVersion(db), 4);
    // Migrating a current database again changes nothing and still succeeds.
    testschema::seedRun(db, 4, "kept", 0.5);
    QCOMPARE(migrator.migrate(db).value(), 4);
    QCOMPARE(db.execAndGet("SELECT count(*) FROM runs").getInt(), 1);
}

void TestMigrator::neverMigratesBackwards()
{
    const Migrator migrator(testschema::kMigrations, testschema::kApplicationId);
    SQLite::Database db(freshPath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    QCOMPARE(migrator.migrate(db, 3).value(), 3);
    QCOMPARE(migrator.migrate(db, 1).value(), 3);
    QCOMPARE(Migrator::currentVersion(db), 3);
    QVERIFY(db.tableExists("experiments"));
}

void TestMigrator::failingStepKeepsTheLastWholeStep_data()
{
    QTest::addColumn<bool>("sqlError");
    QTest::addColumn<QString>("reason");

    QTest::newRow("step throws") << false << u"disk quota exceeded"_s;
    QTest::newRow("step's SQL fails") << true << u"no such table: no_such_table"_s;
}

void TestMigrator::failingStepKeepsTheLastWholeStep()
{
    QFETCH(bool, sqlError);
    QFETCH(QString, reason);

    const std::string path = freshPath();
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    QCOMPARE(Migrator(testschema::kMigrations, testschema::kApplicationId).migrate(db, 1).value(),
             1);
    testschema::seedRun(db, 1, "before the upgrade", 0);

    // Steps 1 and 2 as released; step 3 breaks halfway through.
    const std::vector<Migration> broken = {testschema::kMigrations[0], testschema::kMigrations[1],
                                           testschema::failingStep(3, sqlError)};
    const Result<int> reached = Migrator(broken, testschema::kApplicationId).migrate(db);
    QVERIFY(!reached);
    QVERIFY2(reached.errorMessage().contains(reason), qPrintable(reached.errorMessage()));
    QVERIFY2(reached.errorMessage().contains(QString::fromStdString(path)),
             qPrintable(reached.errorMessage()));

    // Step 2 stays committed; nothing of step 3 is left; the data is intact.
    QCOMPARE(Migrator::currentVersion(db), 2);
    QCOMPARE(tablesOf(db), QStringList({u"metrics"_s, u"runs"_s}));
    QCOMPARE(
        QString::fromStdString(db.execAndGet("SELECT name || '/' || status FROM runs").getString()),
        u"before the upgrade/finished"_s);

    // Once the step is fixed the upgrade goes through.
    const Result<int> fixed =
        Migrator(testschema::kMigrations, testschema::kApplicationId).migrate(db);
    QVERIFY2(fixed, qPrintable(fixed.errorMessage()));
    QCOMPARE(*fixed, 4);
    QCOMPARE(db.execAndGet("SELECT count(*) FROM runs WHERE experiment_id = 1").getInt(), 1);
}

void TestMigrator::refusesANewerSchema()
{
    SQLite::Database db(freshPath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE from_the_future (id INTEGER)");
    db.exec("PRAGMA application_id = " + std::to_string(testschema::kApplicationId));
    db.exec("PRAGMA user_version = 9");

    const Result<int> reached =
        Migrator(testschema::kMigrations, testschema::kApplicationId).migrate(db);
    QVERIFY(!reached);
    const QString message = reached.errorMessage();
    QVERIFY2(message.contains(u"newer"_s), qPrintable(message));
    QVERIFY2(message.contains(u"schema version 9"_s), qPrintable(message));
    QVERIFY2(message.contains(u"up to 4"_s), qPrintable(message));
    QCOMPARE(Migrator::currentVersion(db), 9);
    QCOMPARE(tablesOf(db), QStringList{u"from_the_future"_s});
}

void TestMigrator::refusesAnotherProgramsDatabase()
{
    SQLite::Database db(freshPath(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE bookmarks (url TEXT)");
    db.exec("PRAGMA application_id = 305419896"); // 0x12345678

    const Result<int> reached =
        Migrator(testschema::kMigrations, testschema::kApplicationId).migrate(db);
    QVERIFY(!reached);
    QVERIFY2(reached.errorMessage().contains(u"another program"_s),
             qPrintable(reached.errorMessage()));
    QCOMPARE(Migrator::currentVersion(db), 0);
    QCOMPARE(pragma(db, "application_id"), 0x12345678);
    QCOMPARE(tablesOf(db), QStringList{u"bookmarks"_s});
}

QTEST_GUILESS_MAIN(TestMigrator)

#include "tst_migrator.moc"

#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/workspace/workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>

#include <cerrno>
#include <csignal>
#include <memory>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

const QStringList kFolders = {u"artifacts"_s, u"models"_s, u"data/incoming"_s,
                              u"data/used"_s, u"logs"_s,   u"dags"_s};

int latestSchemaVersion()
{
    return int(millraceMigrations().size());
}

// A pid no process has now, for a lock file left behind by a crash.
qint64 deadPid()
{
    for (qint64 pid = 999999; pid > 900000; --pid) {
        if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
            return pid;
    }
    return -1;
}

bool writeLockFile(const QString &path, qint64 pid, const QString &application, const QString &host)
{
    // QLockFile's format: pid, application name, host name, one per line.
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(QByteArray::number(pid) + '\n' + application.toUtf8() + '\n' + host.toUtf8() + '\n');
    return true;
}

qint64 lockHolderPid(const QString &lockPath)
{
    QLockFile lock(lockPath);
    qint64 pid = -1;
    QString host;
    QString application;
    return lock.getLockInfo(&pid, &host, &application) ? pid : -1;
}

} // namespace

class TestWorkspace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void createsTheLayoutOnFirstOpen();
    void reopensWithItsData();
    void secondOpenIsRefusedWhileHeld();
    void leftoverLockFile_data();
    void leftoverLockFile();
    void unusableDatabaseIsRefusedWithoutChanges();
    void rootThatIsAFileIsRefused();
    void inspectReportsVersionAndHolder();
    void defaultPathIsUnderTheDataDir();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_root;
};

void TestWorkspace::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestWorkspace::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // A folder that does not exist yet: opening creates it.
    m_root = m_dir->filePath(u"workspaces/main"_s);
}

void TestWorkspace::cleanup()
{
    m_dir.reset();
}

void TestWorkspace::createsTheLayoutOnFirstOpen()
{
    Result<std::unique_ptr<Workspace>> opened = Workspace::open(m_root);
    QVERIFY2(opened, qPrintable(opened.errorMessage()));
    const Workspace &workspace = **opened;

    const QDir root(m_root);
    QCOMPARE(workspace.root(), root.absolutePath());
    for (const QString &folder : kFolders)
        QVERIFY2(QFileInfo(root.filePath(folder)).isDir(), qPrintable(folder));
    QVERIFY(QFileInfo(root.filePath(u"millrace.db"_s)).isFile());
    QVERIFY(QFileInfo(root.filePath(u"millrace.lock"_s)).isFile());

    QCOMPARE(workspace.databasePath(), root.filePath(u"millrace.db"_s));
    QCOMPARE(workspace.lockFilePath(), root.filePath(u"millrace.lock"_s));
    QCOMPARE(workspace.artifactsDir(), root.filePath(u"artifacts"_s));
    QCOMPARE(workspace.modelsDir(), root.filePath(u"models"_s));
    QCOMPARE(workspace.incomingDataDir(), root.filePath(u"data/incoming"_s));
    QCOMPARE(workspace.usedDataDir(), root.filePath(u"data/used"_s));
    QCOMPARE(workspace.logsDir(), root.filePath(u"logs"_s));
    QCOMPARE(workspace.dagsDir(), root.filePath(u"dags"_s));

    QCOMPARE(workspace.store().path(), workspace.databasePath());
    QCOMPARE(workspace.store().schemaVersion(), latestSchemaVersion());
    QCOMPARE(lockHolderPid(workspace.lockFilePath()), QCoreApplication::applicationPid());
}

void TestWorkspace::reopensWithItsData()
{
    {
        Result<std::unique_ptr<Workspace>> first = Workspace::open(m_root);
        QVERIFY2(first, qPrintable(first.errorMessage()));
        QVERIFY(
            (*first)
                ->store()
                .write([](SQLite::Database &db) {
                    db.exec(
                        "INSERT INTO app_state(key, value, updated_at_ms) VALUES ('k', 'v', 0)");
                })
                .result());
    }
    // Closing lets go of the lock file.
    QVERIFY(!QFileInfo::exists(QDir(m_root).filePath(u"millrace.lock"_s)));

    Result<std::unique_ptr<Workspace>> again = Workspace::open(m_root);
    QVERIFY2(again, qPrintable(again.errorMessage()));
    const auto value = (*again)->store().read([](SQLite::Database &db) {
        return QString::fromStdString(
            db.execAndGet("SELECT value FROM app_state WHERE key = 'k'").getString());
    });
    QCOMPARE(value.value(), u"v"_s);
}

void TestWorkspace::secondOpenIsRefusedWhileHeld()
{
    Result<std::unique_ptr<Workspace>> first = Workspace::open(m_root);
    QVERIFY2(first, qPrintable(first.errorMessage()));

    const Result<std::unique_ptr<Workspace>> second = Workspace::open(m_root);
    QVERIFY(!second);
    const QString message = second.errorMessage();
    QVERIFY2(message.contains(u"in use"_s), qPrintable(message));
    QVERIFY2(message.contains((*first)->lockFilePath()), qPrintable(message));
    QVERIFY2(message.contains(u"pid %1"_s.arg(QCoreApplication::applicationPid())),
             qPrintable(message));
    // The refused attempt did not disturb the holder.
    QCOMPARE(lockHolderPid((*first)->lockFilePath()), QCoreApplication::applicationPid());
    QVERIFY((*first)->store().write([](SQLite::Database &) {}).result());

    first.value().reset();
    const Result<std::unique_ptr<Workspace>> third = Workspace::open(m_root);
    QVERIFY2(third, qPrintable(third.errorMessage()));
}

void TestWorkspace::leftoverLockFile_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("takenOver");

    // On this machine a lock whose process is gone is stale. On another machine the process
    // cannot be checked, so the lock holds.
    QTest::newRow("dead process on this host") << QSysInfo::machineHostName() << true;
    QTest::newRow("process on another host") << u"build-farm-7.invalid"_s << false;
}

void TestWorkspace::leftoverLockFile()
{
    QFETCH(QString, host);
    QFETCH(bool, takenOver);

    const qint64 pid = deadPid();
    QVERIFY(pid > 0);
    QVERIFY(QDir().mkpath(m_root));
    const QString lockPath = QDir(m_root).filePath(u"millrace.lock"_s);
    QVERIFY(writeLockFile(lockPath, pid, u"millrace"_s, host));

    const Result<std::unique_ptr<Workspace>> opened = Workspace::open(m_root);
    if (takenOver) {
        QVERIFY2(opened, qPrintable(opened.errorMessage()));
        QCOMPARE(lockHolderPid(lockPath), QCoreApplication::applicationPid());
    } else {
        QVERIFY(!opened);
        const QString message = opened.errorMessage();
        QVERIFY2(message.contains(u"pid %1 on %2"_s.arg(pid).arg(host)), qPrintable(message));
        QVERIFY2(message.contains(lockPath), qPrintable(message));
        QCOMPARE(lockHolderPid(lockPath), pid);
    }
}

void TestWorkspace::unusableDatabaseIsRefusedWithoutChanges()
{
    // A workspace folder whose database comes from a newer Millrace.
    QVERIFY(QDir().mkpath(m_root));
    const QString dbPath = QDir(m_root).filePath(u"millrace.db"_s);
    {
        SQLite::Database db(QFile::encodeName(dbPath).toStdString(),
                            SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE future_things (id INTEGER)");
        db.exec("PRAGMA application_id = " + std::to_string(kMillraceApplicationId));
        db.exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion() + 5));
    }
    QFile dbFile(dbPath);
    QVERIFY(dbFile.open(QIODevice::ReadOnly));
    const QByteArray before = dbFile.readAll();
    dbFile.close();

    const Result<std::unique_ptr<Workspace>> opened = Workspace::open(m_root);
    QVERIFY(!opened);
    QVERIFY2(opened.errorMessage().contains(u"newer"_s), qPrintable(opened.errorMessage()));

    // Nothing was added to the folder, and the database is as it was.
    QCOMPARE(QDir(m_root).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList{u"millrace.db"_s});
    QVERIFY(dbFile.open(QIODevice::ReadOnly));
    QCOMPARE(dbFile.readAll(), before);
}

void TestWorkspace::rootThatIsAFileIsRefused()
{
    const QString file = m_dir->filePath(u"not-a-folder"_s);
    QFile plain(file);
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.write("hello\n");
    plain.close();

    const Result<std::unique_ptr<Workspace>> opened = Workspace::open(file);
    QVERIFY(!opened);
    QVERIFY2(opened.errorMessage().contains(file), qPrintable(opened.errorMessage()));
    QVERIFY(QFileInfo(file).isFile());
}

void TestWorkspace::inspectReportsVersionAndHolder()
{
    const WorkspaceStatus nothing = Workspace::inspect(m_root);
    QCOMPARE(nothing.root, QDir(m_root).absolutePath());
    QVERIFY(!nothing.exists);
    QCOMPARE(nothing.schemaVersion, -1);
    QVERIFY(nothing.holder.isEmpty());
    QVERIFY(!QFileInfo::exists(m_root)); // looking does not create anything

    {
        Result<std::unique_ptr<Workspace>> opened = Workspace::open(m_root);
        QVERIFY2(opened, qPrintable(opened.errorMessage()));
        const WorkspaceStatus held = Workspace::inspect(m_root);
        QVERIFY(held.exists);
        QCOMPARE(held.schemaVersion, latestSchemaVersion());
        QVERIFY2(held.holder.contains(u"pid %1"_s.arg(QCoreApplication::applicationPid())),
                 qPrintable(held.holder));
        QVERIFY2(held.holder.contains((*opened)->lockFilePath()), qPrintable(held.holder));
        // Inspecting did not take the lock away from the holder.
        QCOMPARE(lockHolderPid((*opened)->lockFilePath()), QCoreApplication::applicationPid());
        QVERIFY(!Workspace::open(m_root));
    }

    const WorkspaceStatus closed = Workspace::inspect(m_root);
    QVERIFY(closed.exists);
    QCOMPARE(closed.schemaVersion, latestSchemaVersion());
    QVERIFY2(closed.holder.isEmpty(), qPrintable(closed.holder));
    QVERIFY(Workspace::open(m_root));
}

void TestWorkspace::defaultPathIsUnderTheDataDir()
{
    // Test mode keeps this away from the user's real data.
    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    QCOMPARE(Workspace::defaultPath(), dataDir + u"/millrace/default"_s);
}

QTEST_GUILESS_MAIN(TestWorkspace)

#include "tst_workspace.moc"

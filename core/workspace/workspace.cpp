#include "core/workspace/workspace.h"

#include "core/store/store.h"
#include "core/workspace/workspacelog.h"

#include <QDir>
#include <QFileInfo>

#include <QStandardPaths>
#include <SQLiteCpp/Database.h>

namespace millrace {

namespace {

const QString kDatabaseFile = QStringLiteral("millrace.db");
const QString kLockFile = QStringLiteral("millrace.lock");
const QStringList kLayout = {
    QStringLiteral("artifacts"), QStringLiteral("models"), QStringLiteral("data/incoming"),
    QStringLiteral("data/used"), QStringLiteral("logs"),   QStringLiteral("dags"),
};

QString describeHolder(QLockFile &lock, const QString &lockPath)
{
    qint64 pid = 0;
    QString host;
    QString application;
    if (!lock.getLockInfo(&pid, &host, &application))
        return QStringLiteral("another process (lock file %1)").arg(lockPath);
    return QStringLiteral("%1 (pid %2 on %3; lock file %4)")
        .arg(application.isEmpty() ? QStringLiteral("another process") : application)
        .arg(pid)
        .arg(host, lockPath);
}

} // namespace

QString Workspace::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + QStringLiteral("/millrace/default");
}

Result<std::unique_ptr<Workspace>> Workspace::open(const QString &rootPath)
{
    const QString root = QDir(rootPath).absolutePath();
    if (!QDir().mkpath(root))
        return fail(QStringLiteral("cannot create the workspace folder %1").arg(root));

    const QString lockPath = QDir(root).filePath(kLockFile);
    auto lock = std::make_unique<QLockFile>(lockPath);
    // Only a lock whose process is gone is stale; a live holder keeps it however long it runs.
    lock->setStaleLockTime(0);
    if (!lock->tryLock()) {
        switch (lock->error()) {
        case QLockFile::LockFailedError:
            return fail(QStringLiteral("the workspace %1 is in use by %2")
                            .arg(root, describeHolder(*lock, lockPath)));
        case QLockFile::PermissionError:
            return fail(
                QStringLiteral("cannot write the lock file %1: permission denied").arg(lockPath));
        default:
            return fail(QStringLiteral("cannot lock the workspace %1").arg(root));
        }
    }

    // The database first: when it cannot be used (a newer Millrace's, another program's), the
    // folder is left as it was.
    Result<std::unique_ptr<Store>> store = Store::openMillrace(QDir(root).filePath(kDatabaseFile));
    if (!store)
        return store.error();

    for (const QString &folder : kLayout) {
        if (!QDir(root).mkpath(folder))
            return fail(QStringLiteral("cannot create %1 in the workspace %2").arg(folder, root));
    }
    qCInfo(lcWorkspace).noquote() << "workspace" << root << "opened";
    return std::unique_ptr<Workspace>(
        new Workspace(root, std::move(lock), std::move(store).value()));
}

WorkspaceStatus Workspace::inspect(const QString &rootPath)
{
    WorkspaceStatus status;
    status.root = QDir(rootPath).absolutePath();
    const QDir root(status.root);
    status.exists = QFileInfo(root.filePath(kDatabaseFile)).isFile();
    if (!status.exists)
        return status;
    try {
        SQLite::Database db(QFile::encodeName(root.filePath(kDatabaseFile)).toStdString(),
                            SQLite::OPEN_READONLY);
        status.schemaVersion = db.execAndGet("PRAGMA user_version").getInt();
    } catch (const std::exception &e) {
        qCWarning(lcWorkspace) << "cannot read" << root.filePath(kDatabaseFile) << e.what();
    }
    QLockFile lock(root.filePath(kLockFile));
    lock.setStaleLockTime(0);
    if (lock.tryLock(0))
        lock.unlock();
    else if (lock.error() == QLockFile::LockFailedError)
        status.holder = describeHolder(lock, root.filePath(kLockFile));
    return status;
}

Workspace::Workspace(QString root, std::unique_ptr<QLockFile> lock, std::unique_ptr<Store> store)
    : m_root(std::move(root)), m_lock(std::move(lock)), m_store(std::move(store))
{
}

Workspace::~Workspace()
{
    // Close the database before letting go of the lock that guards it.
    m_store.reset();
    m_lock.reset();
    qCInfo(lcWorkspace).noquote() << "workspace" << m_root << "closed";
}

QString Workspace::databasePath() const
{
    return QDir(m_root).filePath(kDatabaseFile);
}
QString Workspace::lockFilePath() const
{
    return QDir(m_root).filePath(kLockFile);
}
QString Workspace::artifactsDir() const
{
    return QDir(m_root).filePath(QStringLiteral("artifacts"));
}
QString Workspace::modelsDir() const
{
    return QDir(m_root).filePath(QStringLiteral("models"));
}
QString Workspace::incomingDataDir() const
{
    return QDir(m_root).filePath(QStringLiteral("data/incoming"));
}
QString Workspace::usedDataDir() const
{
    return QDir(m_root).filePath(QStringLiteral("data/used"));
}
QString Workspace::logsDir() const
{
    return QDir(m_root).filePath(QStringLiteral("logs"));
}
QString Workspace::dagsDir() const
{
    return QDir(m_root).filePath(QStringLiteral("dags"));
}

} // namespace millrace

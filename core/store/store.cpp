#include "core/store/store.h"

#include "core/store/schema.h"
#include "core/store/storelog.h"

#include <QDir>
#include <QFileInfo>

#include <sqlite3.h>

#include <unordered_map>

namespace millrace {

namespace {

constexpr int kBusyTimeoutMs = 10000;
// Upper bound of writes grouped into one transaction: large enough to amortise the fsync,
// small enough that one batch never holds the write lock for long.
constexpr size_t kMaxWritesPerBatch = 1024;

std::atomic<quint64> g_nextStoreId{1};

QString messageOf(const std::exception &e)
{
    return QString::fromLocal8Bit(e.what());
}

} // namespace

Store::Store(QString path, std::unique_ptr<SQLite::Database> writer, int schemaVersion)
    : m_path(std::move(path)), m_id(g_nextStoreId++), m_schemaVersion(schemaVersion),
      m_writer(std::move(writer)), m_readOnly(!m_writer)
{
    m_readPool.setMaxThreadCount(2);
    m_readPool.setObjectName(QStringLiteral("store-readers"));
    if (m_writer)
        m_writerThread = std::thread([this] { writerLoop(); });
    else
        m_closing = true; // read-only: every write() fails at once
}

Store::~Store()
{
    close();
    m_readPool.waitForDone();
    // The threads' maps keep an empty shell per closed store; the connections and their file
    // handles go now. Store ids are never reused, so no thread looks at the shell again.
    std::lock_guard lock(m_readersMutex);
    for (const std::shared_ptr<ReadConnection> &reader : m_readers)
        reader->db.reset();
}

Result<std::unique_ptr<Store>> Store::open(const QString &path,
                                           std::span<const Migration> migrations, int applicationId)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return fail(QStringLiteral("cannot create the folder %1").arg(info.absolutePath()));
    try {
        // One thread at a time uses a connection (the writer thread; each reader its own), so
        // SQLite's per-call connection mutex (five lock pairs per row read) buys nothing.
        auto db = std::make_unique<SQLite::Database>(QFile::encodeName(path).toStdString(),
                                                     SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                                         | SQLite::OPEN_NOMUTEX);
        db->setBusyTimeout(kBusyTimeoutMs);
        // Reading the schema first turns a file that is not a database into a clear error
        // before anything is written to it.
        db->execAndGet("SELECT count(*) FROM sqlite_schema");
        // FULL: a commit is on disk when it returns, so a reported write survives power loss too.
        db->exec("PRAGMA synchronous = FULL");
        db->exec("PRAGMA foreign_keys = ON");
        const Migrator migrator(migrations, applicationId);
        Result<int> version = migrator.migrate(*db);
        if (!version)
            return version.error();
        // Only now: switching to WAL rewrites the file header, and a database the migrator
        // refused (newer, or another program's) must stay untouched.
        if (db->execAndGet("PRAGMA journal_mode = WAL").getString() != "wal")
            return fail(QStringLiteral("%1: cannot switch the database to WAL mode").arg(path));
        qCInfo(lcStore).noquote() << "opened" << path << "at schema version" << *version;
        return std::unique_ptr<Store>(new Store(path, std::move(db), *version));
    } catch (const std::exception &e) {
        return fail(QStringLiteral("cannot open the database %1: %2").arg(path, messageOf(e)));
    }
}

Result<std::unique_ptr<Store>>
Store::openReadOnly(const QString &path, std::span<const Migration> migrations, int applicationId)
{
    if (!QFileInfo(path).isFile())
        return fail(QStringLiteral("there is no database at %1").arg(path));
    try {
        SQLite::Database db(QFile::encodeName(path).toStdString(), SQLite::OPEN_READONLY);
        db.setBusyTimeout(kBusyTimeoutMs);
        const int id = db.execAndGet("PRAGMA application_id").getInt();
        const int version = Migrator::currentVersion(db);
        const int latest = int(migrations.size());
        if (id != applicationId)
            return fail(QStringLiteral("%1 is not a Millrace database").arg(path));
        if (version > latest)
            return fail(QStringLiteral("%1 was written by a newer Millrace (schema version %2; "
                                       "this build knows up to %3)")
                            .arg(path)
                            .arg(version)
                            .arg(latest));
        if (version < latest)
            return fail(QStringLiteral("%1 is at schema version %2 and this Millrace needs %3: "
                                       "open the workspace once with millrace to upgrade it")
                            .arg(path)
                            .arg(version)
                            .arg(latest));
        return std::unique_ptr<Store>(new Store(path, nullptr, version));
    } catch (const std::exception &e) {
        return fail(QStringLiteral("cannot open the database %1: %2").arg(path, messageOf(e)));
    }
}

Result<std::unique_ptr<Store>> Store::openMillrace(const QString &path)
{
    return open(path, millraceMigrations(), kMillraceApplicationId);
}

QFuture<Result<void>> Store::write(WriteFunction write)
{
    PendingWrite pending{std::move(write), QPromise<Result<void>>()};
    QFuture<Result<void>> future = pending.promise.future();
    pending.promise.start();
    {
        std::lock_guard lock(m_queueMutex);
        if (!m_closing) {
            m_queue.push_back(std::move(pending));
            m_queueChanged.notify_one();
            return future;
        }
    }
    pending.promise.addResult(
        fail(m_readOnly ? QStringLiteral("the store %1 is open read-only").arg(m_path)
                        : QStringLiteral("the store %1 is closed").arg(m_path)));
    pending.promise.finish();
    return future;
}

void Store::close()
{
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing)
            return;
        m_closing = true;
        m_queueChanged.notify_one();
    }
    if (m_writerThread.joinable())
        m_writerThread.join();
    m_writer.reset();
}

void Store::writerLoop()
{
    for (;;) {
        std::deque<PendingWrite> batch;
        {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait(lock, [this] { return m_closing || !m_queue.empty(); });
            if (m_queue.empty())
                return; // closing, and everything queued before has been written
            while (!m_queue.empty() && batch.size() < kMaxWritesPerBatch) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        commitBatch(batch);
    }
}

void Store::commitBatch(std::deque<PendingWrite> &batch)
{
    SQLite::Database &db = *m_writer;
    std::vector<Result<void>> results(batch.size());
    bool committed = false;
    QString batchError;
    try {
        db.exec("BEGIN IMMEDIATE");
        for (size_t i = 0; i < batch.size(); ++i) {
            db.exec("SAVEPOINT write");
            try {
                batch[i].write(db);
                db.exec("RELEASE write");
            } catch (const std::exception &e) {
                results[i] = fail(messageOf(e));
                db.exec("ROLLBACK TO write");
                db.exec("RELEASE write");
            } catch (...) {
                // Anything else thrown would end the writer thread, and with it the process.
                results[i] = fail(QStringLiteral("the write threw an unknown exception"));
                db.exec("ROLLBACK TO write");
                db.exec("RELEASE write");
            }
        }
        db.exec("COMMIT");
        committed = true;
    } catch (const std::exception &e) {
        batchError = messageOf(e);
        if (!db.getHandle() || sqlite3_get_autocommit(db.getHandle()) == 0) {
            try {
                db.exec("ROLLBACK");
            } catch (const std::exception &rollbackError) {
                qCWarning(lcStore) << "rollback failed:" << messageOf(rollbackError);
            }
        }
    }
    if (committed)
        ++m_committedBatches;
    else
        qCWarning(lcStore).noquote() << "write batch of" << batch.size() << "failed:" << batchError;
    for (size_t i = 0; i < batch.size(); ++i) {
        if (!committed && results[i])
            results[i] = fail(QStringLiteral("writing to %1 failed: %2").arg(m_path, batchError));
        batch[i].promise.addResult(std::move(results[i]));
        batch[i].promise.finish();
    }
}

Store::ReadSnapshot::ReadSnapshot(SQLite::Database &db)
{
    if (sqlite3_get_autocommit(db.getHandle()) == 0)
        return; // an outer read holds the transaction
    db.exec("BEGIN");
    m_db = &db;
}

Store::ReadSnapshot::~ReadSnapshot()
{
    if (!m_db)
        return;
    // Ending a read transaction only releases its snapshot; should it fail, rolling back does
    // the same, and the connection is usable for the next read either way.
    if (sqlite3_exec(m_db->getHandle(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
        sqlite3_exec(m_db->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

SQLite::Database &Store::readConnection() const
{
    // Each thread reads through its own connection; WAL lets them read while the writer writes.
    thread_local std::unordered_map<quint64, std::shared_ptr<ReadConnection>> connections;
    std::shared_ptr<ReadConnection> &connection = connections[m_id];
    if (!connection) {
        auto db = std::make_unique<SQLite::Database>(QFile::encodeName(m_path).toStdString(),
                                                     SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
        db->setBusyTimeout(kBusyTimeoutMs);
        // Readers scan long metric histories: mapping the file spares a system call and a copy
        // per page. (Pages the writer changed since are still read from the WAL.)
        db->exec("PRAGMA mmap_size = 1073741824");
        connection = std::make_shared<ReadConnection>(ReadConnection{std::move(db)});
        std::lock_guard lock(m_readersMutex);
        m_readers.push_back(connection);
    }
    return *connection->db;
}

} // namespace millrace

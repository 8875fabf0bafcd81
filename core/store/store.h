#pragma once

#include "core/base/result.h"
#include "core/store/migrator.h"

#include <QFuture>
#include <QString>
#include <QThreadPool>

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

namespace millrace {

/// The workspace's metadata database (SQLite in WAL mode).
///
/// Writes go to one writer thread, which groups whatever is queued into one transaction (group
/// commit) and gives each write its own savepoint, so a failing write is undone alone while the
/// others in its batch commit. A write's future finishes only after COMMIT returned: from then on
/// it survives a killed process. Reads run on the calling thread with a read-only connection of
/// that thread's own, and see the last committed state. Never read or wait on the GUI thread:
/// use readAsync() there.
class Store
{
public:
    using WriteFunction = std::function<void(SQLite::Database &)>;

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    static Result<std::unique_ptr<Store>>
    open(const QString &path, std::span<const Migration> migrations, int applicationId);
    /// Opens an existing database for reading only: no writer, no migration, no lock needed (WAL
    /// lets it read while another process writes). Refuses a schema other than the latest.
    static Result<std::unique_ptr<Store>>
    openReadOnly(const QString &path, std::span<const Migration> migrations, int applicationId);
    /// Opens a Millrace workspace database with Millrace's own schema.
    static Result<std::unique_ptr<Store>> openMillrace(const QString &path);
    /// Finishes every queued write, then closes, including the reader connections of every
    /// thread (no read may be running then).
    ~Store();

    QString path() const { return m_path; }
    int schemaVersion() const { return m_schemaVersion; }

    /// Queues a write; `write` runs on the writer thread. It may throw to reject itself; the
    /// future then holds the message and nothing it did is kept.
    QFuture<Result<void>> write(WriteFunction write);

    /// Runs `read(db)` now, on this thread, against this thread's read connection. Exceptions
    /// become an Error.
    template <typename Fn>
    auto read(Fn &&read) const -> Result<std::invoke_result_t<Fn, SQLite::Database &>>;

    /// Runs `read(db)` on the store's reader pool; the future holds its Result.
    template <typename Fn>
    auto readAsync(Fn read) const -> QFuture<Result<std::invoke_result_t<Fn, SQLite::Database &>>>;

    /// Stops accepting writes, finishes the queued ones and closes the writer connection.
    void close();
    /// How many write batches have committed since open; for tests and benchmarks.
    quint64 committedBatches() const { return m_committedBatches.load(); }

private:
    struct PendingWrite
    {
        WriteFunction write;
        QPromise<Result<void>> promise;
    };

    // A reader connection, shared between the thread that uses it and the store that closes it.
    struct ReadConnection
    {
        std::unique_ptr<SQLite::Database> db;
    };

    // Holds one read transaction over a whole read, so its statements see one state of the
    // store and the file lock is taken once rather than by every statement. A read nested in
    // another on the same thread joins the outer transaction.
    class ReadSnapshot
    {
    public:
        explicit ReadSnapshot(SQLite::Database &db);
        ~ReadSnapshot();
        ReadSnapshot(const ReadSnapshot &) = delete;
        ReadSnapshot &operator=(const ReadSnapshot &) = delete;

    private:
        SQLite::Database *m_db = nullptr;
    };

    Store(QString path, std::unique_ptr<SQLite::Database> writer, int schemaVersion);
    void writerLoop();
    void commitBatch(std::deque<PendingWrite> &batch);
    SQLite::Database &readConnection() const;

    const QString m_path;
    const quint64 m_id;
    const int m_schemaVersion;
    std::unique_ptr<SQLite::Database> m_writer;
    const bool m_readOnly;
    mutable QThreadPool m_readPool;

    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::deque<PendingWrite> m_queue;
    bool m_closing = false;
    std::thread m_writerThread;
    std::atomic<quint64> m_committedBatches{0};
    mutable std::mutex m_readersMutex;
    mutable std::vector<std::shared_ptr<ReadConnection>> m_readers;
};

template <typename Fn>
auto Store::read(Fn &&read) const -> Result<std::invoke_result_t<Fn, SQLite::Database &>>
{
    using T = std::invoke_result_t<Fn, SQLite::Database &>;
    try {
        SQLite::Database &db = readConnection();
        const ReadSnapshot snapshot(db);
        if constexpr (std::is_void_v<T>) {
            read(db);
            return {};
        } else {
            return read(db);
        }
    } catch (const std::exception &e) {
        return fail(
            QStringLiteral("reading %1 failed: %2").arg(m_path, QString::fromLocal8Bit(e.what())));
    }
}

template <typename Fn>
auto Store::readAsync(Fn read) const
    -> QFuture<Result<std::invoke_result_t<Fn, SQLite::Database &>>>
{
    using R = Result<std::invoke_result_t<Fn, SQLite::Database &>>;
    // QThreadPool in Qt 6.4 copies its callable, so the move-only promise is shared.
    auto promise = std::make_shared<QPromise<R>>();
    QFuture<R> future = promise->future();
    promise->start();
    m_readPool.start([this, read = std::move(read), promise]() mutable {
        promise->addResult(this->read(read));
        promise->finish();
    });
    return future;
}

} // namespace millrace

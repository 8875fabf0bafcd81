// Store write throughput: Millrace's group-committing writer against the plain way to use
// SQLite (one transaction per write on the caller's thread), both durable (synchronous=FULL,
// WAL), on the same machine in the same run.

#include "core/store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFuture>
#include <QTemporaryDir>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <array>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

const std::array kMigrations = {
    millrace::Migration{1, "points",
                        [](SQLite::Database &db) {
                            db.exec("CREATE TABLE points (writer INTEGER, step INTEGER, "
                                    "value REAL)");
                        }},
};

void insertPoint(SQLite::Database &db, int writer, int step)
{
    SQLite::Statement insert(db, "INSERT INTO points VALUES (?, ?, ?)");
    insert.bind(1, writer);
    insert.bind(2, step);
    insert.bind(3, step * 0.5);
    insert.exec();
}

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

// Small writes from several threads at once, as the tracking API sees them.
double storeWritesPerSecond(const QString &path, int writers, int writesPerWriter)
{
    auto store = millrace::Store::open(path, kMigrations, 0x42454E43);
    if (!store)
        qFatal("%s", qPrintable(store.errorMessage()));
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            std::vector<QFuture<millrace::Result<void>>> futures;
            futures.reserve(size_t(writesPerWriter));
            for (int step = 0; step < writesPerWriter; ++step)
                futures.push_back(
                    (*store)->write([w, step](SQLite::Database &db) { insertPoint(db, w, step); }));
            for (auto &future : futures) {
                if (!future.result())
                    qFatal("write failed");
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    return writers * writesPerWriter / (timer.nsecsElapsed() / 1e9);
}

// The same writes, each in its own transaction (autocommit), from one connection per thread.
double plainSqliteWritesPerSecond(const QString &path, int writers, int writesPerWriter)
{
    {
        SQLite::Database db(path.toStdString(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("CREATE TABLE points (writer INTEGER, step INTEGER, value REAL)");
    }
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            SQLite::Database db(path.toStdString(), SQLite::OPEN_READWRITE);
            db.setBusyTimeout(60000);
            db.exec("PRAGMA synchronous = FULL");
            for (int step = 0; step < writesPerWriter; ++step)
                insertPoint(db, w, step);
        });
    }
    for (auto &thread : threads)
        thread.join();
    return writers * writesPerWriter / (timer.nsecsElapsed() / 1e9);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    const int writers = 4;
    const int writesPerWriter = 2000;
    const double store =
        storeWritesPerSecond(dir.filePath(QStringLiteral("store.db")), writers, writesPerWriter);
    const double plain = plainSqliteWritesPerSecond(dir.filePath(QStringLiteral("plain.db")),
                                                    writers, writesPerWriter);
    report("store_small_writes_4_threads", store, "writes/s");
    report("sqlite_autocommit_writes_4_threads", plain, "writes/s");
    report("store_vs_sqlite_autocommit", store / plain, "x");
    return 0;
}

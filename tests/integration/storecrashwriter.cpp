// Child process for tst_storecrash: writes batches through the Store as fast as it can, keeping
// many writes in flight, and prints "COMMITTED <batch>" for each write whose commit returned.
// The parent kills it with SIGKILL at a moment of its choosing.
//
// usage: store_crash_writer <database> <first batch id>

#include "core/store/store.h"
#include "crashschema.h"

#include <QCoreApplication>
#include <QFuture>

#include <SQLiteCpp/Statement.h>

#include <cstdio>
#include <deque>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: store_crash_writer <database> <first batch id>\n");
        return 2;
    }
    auto store = millrace::Store::open(QString::fromLocal8Bit(argv[1]), crashtest::kMigrations,
                                       crashtest::kApplicationId);
    if (!store) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorMessage()));
        return 1;
    }
    const QByteArray payload(512, 'x');
    std::deque<std::pair<long long, QFuture<millrace::Result<void>>>> inFlight;
    for (long long batch = std::atoll(argv[2]);; ++batch) {
        inFlight.emplace_back(batch, (*store)->write([batch, payload](SQLite::Database &db) {
            SQLite::Statement insert(db, "INSERT INTO batch_rows VALUES (?, ?, ?)");
            for (int row = 0; row < crashtest::kRowsPerBatch; ++row) {
                insert.bind(1, static_cast<int64_t>(batch));
                insert.bind(2, row);
                insert.bind(3, payload.constData(), int(payload.size()));
                insert.exec();
                insert.reset();
            }
        }));
        while (inFlight.size() > 64
               || (!inFlight.empty() && inFlight.front().second.isFinished())) {
            auto [id, future] = std::move(inFlight.front());
            inFlight.pop_front();
            if (!future.result()) {
                std::fprintf(stderr, "batch %lld failed: %s\n", id,
                             qPrintable(future.result().errorMessage()));
                return 1;
            }
            std::printf("COMMITTED %lld\n", id);
            std::fflush(stdout);
        }
    }
}

#include "app/schedulerrequests.h"

#include "core/store/schema.h"
#include "core/store/store.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QThread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

using namespace millrace;

Result<std::unique_ptr<Store>> openForSchedulerRequests(const QString &root)
{
    const QString database = QDir(root).filePath(QStringLiteral("millrace.db"));
    // Store::open would migrate a database older than this build under the running app; the
    // read-only open refuses any schema but this build's.
    if (auto schema = Store::openReadOnly(database, millraceMigrations(), kMillraceApplicationId);
        !schema)
        return schema.error();
    return Store::open(database, millraceMigrations(), kMillraceApplicationId);
}

QueuedSchedulerRequest queueSchedulerRequest(Store &store, const SchedulerRequest &request)
{
    auto id = std::make_shared<qint64>(0);
    const QByteArray payload = QJsonDocument(request.payload).toJson(QJsonDocument::Compact);
    QFuture<Result<void>> written = store.write([request, payload, id](SQLite::Database &db) {
        SQLite::Statement insert(db, "INSERT INTO scheduler_requests (action, dag_id, "
                                     "payload, created_at_ms) VALUES (?, ?, ?, ?)");
        insert.bind(1, request.action.toStdString());
        insert.bind(2, request.dagId.toStdString());
        insert.bind(3, payload.toStdString());
        insert.bind(4, static_cast<int64_t>(QDateTime::currentMSecsSinceEpoch()));
        insert.exec();
        *id = db.getLastInsertRowid();
    });
    return {std::move(written), std::move(id)};
}

Result<std::optional<QJsonObject>> awaitSchedulerRequest(Store &store, qint64 id, int waitSeconds)
{
    struct Answer
    {
        bool done = false;
        bool ok = false;
        QJsonObject outcome;
    };
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        auto answer = store.read([id](SQLite::Database &db) {
            SQLite::Statement query(db, "SELECT done_at_ms, ok, outcome FROM scheduler_requests "
                                        "WHERE id = ?");
            query.bind(1, static_cast<int64_t>(id));
            Answer read;
            if (query.executeStep() && !query.getColumn(0).isNull()) {
                read.done = true;
                read.ok = query.getColumn(1).getInt() != 0;
                read.outcome =
                    QJsonDocument::fromJson(QByteArray(query.getColumn(2).getText())).object();
            }
            return read;
        });
        if (!answer)
            return answer.error();
        if (answer->done) {
            if (!answer->ok)
                return fail(answer->outcome.value(QStringLiteral("error")).toString());
            return std::optional(answer->outcome);
        }
        if (waited.elapsed() >= qint64(waitSeconds) * 1000)
            return std::optional<QJsonObject>();
        QThread::msleep(50);
    }
}

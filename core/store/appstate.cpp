#include "core/store/appstate.h"

#include <QDateTime>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace millrace::appstate {

std::optional<QString> get(SQLite::Database &db, const QString &key)
{
    SQLite::Statement query(db, "SELECT value FROM app_state WHERE key = ?");
    query.bind(1, key.toStdString());
    if (!query.executeStep())
        return std::nullopt;
    return QString::fromStdString(query.getColumn(0).getString());
}

void set(SQLite::Database &db, const QString &key, const QString &value)
{
    SQLite::Statement upsert(db, "INSERT INTO app_state(key, value, updated_at_ms) VALUES(?, ?, ?) "
                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                                 "updated_at_ms = excluded.updated_at_ms");
    upsert.bind(1, key.toStdString());
    upsert.bind(2, value.toStdString());
    upsert.bind(3, static_cast<int64_t>(QDateTime::currentMSecsSinceEpoch()));
    upsert.exec();
}

} // namespace millrace::appstate

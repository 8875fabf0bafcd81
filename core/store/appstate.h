#pragma once

#include <QString>

#include <optional>

namespace SQLite {
class Database;
}

namespace millrace::appstate {

/// Reads a workspace-level value (table app_state); nothing when the key was never set.
std::optional<QString> get(SQLite::Database &db, const QString &key);
/// Sets a workspace-level value; call from a Store write.
void set(SQLite::Database &db, const QString &key, const QString &value);

} // namespace millrace::appstate

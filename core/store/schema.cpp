#include "core/store/schema.h"

#include <SQLiteCpp/Database.h>

#include <array>

namespace millrace {

namespace {

const std::array kMigrations = {
    Migration{1, "workspace state",
              [](SQLite::Database &db) {
                  // Small named values that belong to the workspace rather than to the user:
                  // the scheduler's running/paused switch, the workspace's id, ...
                  db.exec("CREATE TABLE app_state ("
                          "  key TEXT PRIMARY KEY NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  updated_at_ms INTEGER NOT NULL"
                          ") STRICT");
              }},
};

} // namespace

std::span<const Migration> millraceMigrations()
{
    return kMigrations;
}

} // namespace millrace

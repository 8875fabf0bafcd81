#pragma once

#include "core/base/result.h"

#include <QString>

#include <functional>
#include <span>

namespace SQLite {
class Database;
}

namespace millrace {

/// One step of the schema: brings a database from version `version - 1` to `version`.
struct Migration
{
    int version;
    const char *description;
    std::function<void(SQLite::Database &)> apply;
};

/// Brings a database's schema up to date. The version lives in `PRAGMA user_version`; each step
/// runs in its own transaction together with the version bump, so a crash leaves the database at
/// the last whole step. A database from a newer build, or one that belongs to another program
/// (`PRAGMA application_id`), is refused and left untouched.
class Migrator
{
public:
    /// `migrations` must be numbered 1, 2, 3, ... in order. `applicationId` marks our files.
    Migrator(std::span<const Migration> migrations, int applicationId);

    /// The version the last migration reaches.
    int latestVersion() const;
    /// The schema version a database is at now.
    static int currentVersion(SQLite::Database &db);
    /// Runs the missing steps up to `target` (the latest when negative). Returns the version
    /// reached.
    Result<int> migrate(SQLite::Database &db, int target = -1) const;

private:
    std::span<const Migration> m_migrations;
    int m_applicationId;
};

} // namespace millrace

#pragma once

#include "core/store/migrator.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

// A schema history owned by the tests, shaped like real ones: tables created, columns added,
// data moved between tables, a table split and dropped. Tests seed a database at each version
// with data valid at that version and check it survives the remaining steps.
namespace millrace::testschema {

/// Not Millrace's id ('TEST'), so the test files cannot pass for workspace databases.
inline constexpr int kApplicationId = 0x54455354;

inline const std::array kMigrations = {
    Migration{1, "runs",
              [](SQLite::Database &db) {
                  db.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
              }},
    Migration{2, "run status and metrics",
              [](SQLite::Database &db) {
                  db.exec("ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'finished'");
                  db.exec("CREATE TABLE metrics (run_id INTEGER NOT NULL REFERENCES runs(id),"
                          " key TEXT NOT NULL, value REAL NOT NULL)");
              }},
    Migration{3, "experiments",
              [](SQLite::Database &db) {
                  db.exec("CREATE TABLE experiments (id INTEGER PRIMARY KEY,"
                          " name TEXT NOT NULL UNIQUE)");
                  db.exec("INSERT INTO experiments(id, name) VALUES (1, 'Default')");
                  db.exec("ALTER TABLE runs ADD COLUMN experiment_id INTEGER"
                          " REFERENCES experiments(id)");
                  db.exec("UPDATE runs SET experiment_id = 1");
              }},
    Migration{4, "metric keys in a table of their own",
              [](SQLite::Database &db) {
                  db.exec("CREATE TABLE metric_keys (id INTEGER PRIMARY KEY,"
                          " key TEXT NOT NULL UNIQUE)");
                  db.exec("CREATE TABLE metric_values (run_id INTEGER NOT NULL REFERENCES runs(id),"
                          " key_id INTEGER NOT NULL REFERENCES metric_keys(id),"
                          " value REAL NOT NULL)");
                  db.exec("INSERT INTO metric_keys(key)"
                          " SELECT DISTINCT key FROM metrics ORDER BY key");
                  db.exec("INSERT INTO metric_values(run_id, key_id, value)"
                          " SELECT m.run_id, k.id, m.value FROM metrics m"
                          " JOIN metric_keys k ON k.key = m.key");
                  db.exec("DROP TABLE metrics");
              }},
};

inline constexpr int kLatestVersion = int(kMigrations.size());

/// Inserts one run (and, where the schema has them, a metric and an experiment) in a way that
/// is valid at `version`.
inline void seedRun(SQLite::Database &db, int version, const std::string &name, double loss)
{
    if (version < 1)
        return;
    SQLite::Statement run(db, version >= 3   ? "INSERT INTO runs(name, status, experiment_id)"
                                               " VALUES (?, 'failed', 1)"
                              : version == 2 ? "INSERT INTO runs(name, status) VALUES (?, 'failed')"
                                             : "INSERT INTO runs(name) VALUES (?)");
    run.bind(1, name);
    run.exec();
    const int64_t runId = db.getLastInsertRowid();
    if (version == 2 || version == 3) {
        SQLite::Statement metric(db,
                                 "INSERT INTO metrics(run_id, key, value) VALUES (?, 'loss', ?)");
        metric.bind(1, runId);
        metric.bind(2, loss);
        metric.exec();
    }
    if (version >= 4) {
        db.exec("INSERT OR IGNORE INTO metric_keys(key) VALUES ('loss')");
        SQLite::Statement metric(db, "INSERT INTO metric_values(run_id, key_id, value)"
                                     " SELECT ?, id, ? FROM metric_keys WHERE key = 'loss'");
        metric.bind(1, runId);
        metric.bind(2, loss);
        metric.exec();
    }
}

/// A step that creates a table, fills it, and then fails: by a SQL error when `sqlError`, else by
/// throwing std::runtime_error("disk quota exceeded").
inline Migration failingStep(int version, bool sqlError)
{
    return Migration{version, "a step that fails halfway", [sqlError](SQLite::Database &db) {
                         db.exec("CREATE TABLE half_done (id INTEGER PRIMARY KEY)");
                         db.exec("INSERT INTO half_done(id) VALUES (1)");
                         if (sqlError)
                             db.exec("ALTER TABLE no_such_table ADD COLUMN x TEXT");
                         throw std::runtime_error("disk quota exceeded");
                     }};
}

} // namespace millrace::testschema

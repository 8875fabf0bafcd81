#include "core/store/schema.h"

#include "core/store/metricsummary.h"

#include <SQLiteCpp/Database.h>

#include <array>
#include <string>

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
    Migration{2, "experiment tracking",
              [](SQLite::Database &db) {
                  // MLflow's model: experiments hold runs; runs hold immutable params, tags, and
                  // metric histories. Runs are referred to by a 32-hex id outside, by an integer
                  // key inside, which keeps the metric table (the big one) compact.
                  db.exec("CREATE TABLE experiments ("
                          "  experiment_id INTEGER PRIMARY KEY,"
                          "  name TEXT NOT NULL UNIQUE,"
                          "  artifact_location TEXT NOT NULL,"
                          "  lifecycle_stage TEXT NOT NULL DEFAULT 'active'"
                          "    CHECK (lifecycle_stage IN ('active', 'deleted')),"
                          "  creation_time INTEGER NOT NULL,"
                          "  last_update_time INTEGER NOT NULL"
                          ") STRICT");
                  db.exec("CREATE TABLE experiment_tags ("
                          "  experiment_id INTEGER NOT NULL"
                          "    REFERENCES experiments(experiment_id) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (experiment_id, key)"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE TABLE runs ("
                          "  run_key INTEGER PRIMARY KEY,"
                          "  run_uuid TEXT NOT NULL UNIQUE,"
                          "  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),"
                          "  name TEXT NOT NULL DEFAULT '',"
                          "  user_id TEXT NOT NULL DEFAULT '',"
                          "  status TEXT NOT NULL CHECK (status IN"
                          "    ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),"
                          "  start_time INTEGER,"
                          "  end_time INTEGER,"
                          "  lifecycle_stage TEXT NOT NULL DEFAULT 'active'"
                          "    CHECK (lifecycle_stage IN ('active', 'deleted')),"
                          "  artifact_uri TEXT NOT NULL,"
                          "  deleted_time INTEGER"
                          ") STRICT");
                  db.exec("CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time)");
                  db.exec("CREATE TABLE params ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (run_key, key)"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE TABLE tags ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (run_key, key)"
                          ") STRICT, WITHOUT ROWID");
                  // Every logged point, clustered by run, key and step so a history is one
                  // range scan. As in MLflow, NaN is stored as value 0 with is_nan set, and an
                  // identical point logged twice is kept once.
                  db.exec("CREATE TABLE metrics ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  step INTEGER NOT NULL,"
                          "  timestamp INTEGER NOT NULL,"
                          "  value REAL NOT NULL,"
                          "  is_nan INTEGER NOT NULL DEFAULT 0,"
                          "  PRIMARY KEY (run_key, key, step, timestamp, value, is_nan)"
                          ") STRICT, WITHOUT ROWID");
                  // The latest point of each metric (highest step, then timestamp, then value),
                  // what run tables, sorting and search look at.
                  db.exec("CREATE TABLE latest_metrics ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  step INTEGER NOT NULL,"
                          "  timestamp INTEGER NOT NULL,"
                          "  value REAL,"
                          "  PRIMARY KEY (run_key, key)"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE INDEX latest_metrics_by_key ON latest_metrics(key, value)");
                  db.exec("CREATE INDEX params_by_key ON params(key, value)");
                  db.exec("CREATE INDEX tags_by_key ON tags(key, value)");
                  // MLflow's clients expect experiment 0, "Default", to exist.
                  db.exec("INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', "
                          "'active', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), "
                          "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
              }},
    Migration{3, "change counters of runs",
              [](SQLite::Database &db) {
                  // A counter per experiment that every change to its runs moves on, kept by
                  // triggers so no writer can forget it and it commits with the change itself.
                  // Panels compare it to tell whether a reload is due, where they hashed every
                  // run, param and metric before.
                  db.exec("CREATE TABLE run_changes ("
                          "  experiment_id INTEGER PRIMARY KEY,"
                          "  changes INTEGER NOT NULL"
                          ") STRICT");
                  db.exec("INSERT INTO run_changes SELECT experiment_id, 0 FROM experiments");
                  auto bump = [](const char *experiment) {
                      return std::string("INSERT INTO run_changes VALUES (") + experiment
                             + ", 1) ON CONFLICT(experiment_id) DO UPDATE SET changes = "
                               "changes + 1;";
                  };
                  // Through the run, for tables keyed by run: a child deleted with its run finds
                  // no run any more, which is fine as the run's own deletion counted.
                  auto bumpOfRun = [](const char *runKey) {
                      return std::string("INSERT INTO run_changes SELECT experiment_id, 1 FROM "
                                         "runs WHERE run_key = ")
                             + runKey
                             + " ON CONFLICT(experiment_id) DO UPDATE SET changes = changes + 1;";
                  };
                  db.exec("CREATE TRIGGER runs_inserted AFTER INSERT ON runs BEGIN "
                          + bump("NEW.experiment_id") + " END");
                  db.exec("CREATE TRIGGER runs_updated AFTER UPDATE ON runs BEGIN "
                          + bump("OLD.experiment_id") + bump("NEW.experiment_id") + " END");
                  db.exec("CREATE TRIGGER runs_deleted AFTER DELETE ON runs BEGIN "
                          + bump("OLD.experiment_id") + " END");
                  for (const char *table : {"params", "tags", "latest_metrics"}) {
                      const std::string name(table);
                      db.exec("CREATE TRIGGER " + name + "_inserted AFTER INSERT ON " + name
                              + " BEGIN " + bumpOfRun("NEW.run_key") + " END");
                      db.exec("CREATE TRIGGER " + name + "_updated AFTER UPDATE ON " + name
                              + " BEGIN " + bumpOfRun("OLD.run_key") + bumpOfRun("NEW.run_key")
                              + " END");
                      db.exec("CREATE TRIGGER " + name + "_deleted AFTER DELETE ON " + name
                              + " BEGIN " + bumpOfRun("OLD.run_key") + " END");
                  }
              }},
    Migration{4, "summaries of metric histories",
              [](SQLite::Database &db) {
                  // See metricsummary.h: blocks of 64 points of a history with their first,
                  // lowest, highest and last points (value NULL for NaN), and per history how
                  // many points are summarised and whether they came in order.
                  db.exec("CREATE TABLE metric_summaries ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  points INTEGER NOT NULL,"
                          "  last_step INTEGER NOT NULL,"
                          "  last_timestamp INTEGER NOT NULL,"
                          "  in_order INTEGER NOT NULL,"
                          "  PRIMARY KEY (run_key, key)"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE TABLE metric_blocks ("
                          "  run_key INTEGER NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  block INTEGER NOT NULL,"
                          "  points INTEGER NOT NULL,"
                          "  finite_points INTEGER NOT NULL,"
                          "  finite_sum REAL NOT NULL,"
                          "  first_step INTEGER NOT NULL, first_timestamp INTEGER NOT NULL,"
                          "  first_value REAL,"
                          "  last_step INTEGER NOT NULL, last_timestamp INTEGER NOT NULL,"
                          "  last_value REAL,"
                          "  low_step INTEGER, low_timestamp INTEGER, low_value REAL,"
                          "  high_step INTEGER, high_timestamp INTEGER, high_value REAL,"
                          "  PRIMARY KEY (run_key, key, block)"
                          ") STRICT, WITHOUT ROWID");
                  metricsummary::rebuildAll(db);
              }},
    Migration{5, "model registry",
              [](SQLite::Database &db) {
                  // MLflow's registry: registered models hold numbered versions; a deleted
                  // version stays as a row (deleted = 1) so its number is never reused. Each
                  // version's files are copied under the models folder (storage_path, relative
                  // to it; NULL until the copy is complete and for versions without files).
                  db.exec("CREATE TABLE registered_models ("
                          "  model_id INTEGER PRIMARY KEY,"
                          "  name TEXT NOT NULL UNIQUE,"
                          "  description TEXT,"
                          "  user_id TEXT,"
                          "  creation_time INTEGER NOT NULL,"
                          "  last_updated_time INTEGER NOT NULL"
                          ") STRICT");
                  db.exec("CREATE TABLE registered_model_tags ("
                          "  model_id INTEGER NOT NULL"
                          "    REFERENCES registered_models(model_id) ON DELETE CASCADE,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (model_id, key)"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE TABLE model_versions ("
                          "  model_id INTEGER NOT NULL"
                          "    REFERENCES registered_models(model_id) ON DELETE CASCADE,"
                          "  version INTEGER NOT NULL,"
                          "  creation_time INTEGER NOT NULL,"
                          "  last_updated_time INTEGER NOT NULL,"
                          "  user_id TEXT,"
                          "  description TEXT,"
                          "  source TEXT NOT NULL,"
                          "  run_id TEXT,"
                          "  run_link TEXT,"
                          "  current_stage TEXT NOT NULL DEFAULT 'None' CHECK (current_stage IN"
                          "    ('None', 'Staging', 'Production', 'Archived')),"
                          "  status TEXT NOT NULL CHECK (status IN"
                          "    ('PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY')),"
                          "  status_message TEXT,"
                          "  storage_path TEXT UNIQUE,"
                          "  deleted INTEGER NOT NULL DEFAULT 0,"
                          "  PRIMARY KEY (model_id, version)"
                          ") STRICT");
                  db.exec("CREATE INDEX model_versions_by_run ON model_versions(run_id)");
                  db.exec("CREATE TABLE model_version_tags ("
                          "  model_id INTEGER NOT NULL,"
                          "  version INTEGER NOT NULL,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (model_id, version, key),"
                          "  FOREIGN KEY (model_id, version)"
                          "    REFERENCES model_versions(model_id, version) ON DELETE CASCADE"
                          ") STRICT, WITHOUT ROWID");
                  db.exec("CREATE TABLE model_aliases ("
                          "  model_id INTEGER NOT NULL"
                          "    REFERENCES registered_models(model_id) ON DELETE CASCADE,"
                          "  alias TEXT NOT NULL,"
                          "  version INTEGER NOT NULL,"
                          "  PRIMARY KEY (model_id, alias)"
                          ") STRICT, WITHOUT ROWID");
                  // The audit trail: every registration, stage and alias change and promotion
                  // verdict, with who, when, why and (for automatic promotions) the numbers.
                  db.exec("CREATE TABLE registry_events ("
                          "  event_id INTEGER PRIMARY KEY,"
                          "  model_id INTEGER NOT NULL"
                          "    REFERENCES registered_models(model_id) ON DELETE CASCADE,"
                          "  version INTEGER NOT NULL,"
                          "  time INTEGER NOT NULL,"
                          "  kind TEXT NOT NULL CHECK (kind IN ('created', 'stage', 'alias_set',"
                          "    'alias_deleted', 'decision', 'deleted')),"
                          "  from_stage TEXT,"
                          "  to_stage TEXT,"
                          "  alias TEXT,"
                          "  previous_version INTEGER,"
                          "  actor TEXT NOT NULL,"
                          "  reason TEXT NOT NULL DEFAULT '',"
                          "  evaluation TEXT"
                          ") STRICT");
                  db.exec("CREATE INDEX registry_events_by_model ON registry_events(model_id, "
                          "event_id)");
                  // One counter that every registry change moves on, kept by triggers (as
                  // run_changes is for runs), so the Registry panel polls one row.
                  db.exec("CREATE TABLE registry_changes ("
                          "  id INTEGER PRIMARY KEY CHECK (id = 1),"
                          "  changes INTEGER NOT NULL"
                          ") STRICT");
                  db.exec("INSERT INTO registry_changes VALUES (1, 0)");
                  for (const char *table :
                       {"registered_models", "registered_model_tags", "model_versions",
                        "model_version_tags", "model_aliases", "registry_events"}) {
                      const std::string name(table);
                      for (const char *event : {"INSERT", "UPDATE", "DELETE"}) {
                          const std::string when(event);
                          db.exec("CREATE TRIGGER " + name + "_" + when + "_counted AFTER " + when
                                  + " ON " + name
                                  + " BEGIN UPDATE registry_changes SET changes = changes + 1; "
                                    "END");
                      }
                  }
              }},
    Migration{6, "data streams",
              [](SQLite::Database &db) {
                  // Saved ways to reach Kafka clusters. The settings are the profile's JSON
                  // (core/streams/connectionprofile.h), which never holds a secret: passwords
                  // live in the system keychain under the profile's id.
                  db.exec("CREATE TABLE stream_profiles ("
                          "  id TEXT PRIMARY KEY NOT NULL,"
                          "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                          "  settings TEXT NOT NULL,"
                          "  created_at_ms INTEGER NOT NULL,"
                          "  updated_at_ms INTEGER NOT NULL"
                          ") STRICT");
              }},
    Migration{7, "scheduled jobs",
              [](SQLite::Database &db) {
                  // The scheduler's state (core/scheduler). DAGs themselves are files in dags/;
                  // the database keeps what the files cannot: whether a DAG is paused, the
                  // cursors of its event triggers, and every run, task try and result.
                  db.exec("CREATE TABLE dag_state ("
                          "  dag_id TEXT PRIMARY KEY NOT NULL,"
                          "  paused INTEGER NOT NULL,"
                          "  trigger_state TEXT NOT NULL,"
                          "  updated_at_ms INTEGER NOT NULL"
                          ") STRICT");
                  // A scheduled or backfill run covers one data interval, once: the partial
                  // unique index is what keeps a restarted scheduler from creating it twice.
                  db.exec("CREATE TABLE dag_runs ("
                          "  id INTEGER PRIMARY KEY,"
                          "  dag_id TEXT NOT NULL,"
                          "  run_id TEXT NOT NULL,"
                          "  run_type TEXT NOT NULL,"
                          "  state TEXT NOT NULL,"
                          "  logical_date_ms INTEGER NOT NULL,"
                          "  interval_start_ms INTEGER,"
                          "  interval_end_ms INTEGER,"
                          "  conf TEXT NOT NULL,"
                          "  note TEXT NOT NULL,"
                          "  queued_at_ms INTEGER NOT NULL,"
                          "  start_ms INTEGER,"
                          "  end_ms INTEGER,"
                          "  UNIQUE (dag_id, run_id)"
                          ") STRICT");
                  db.exec("CREATE UNIQUE INDEX dag_runs_one_per_interval ON dag_runs(dag_id, "
                          "logical_date_ms) WHERE run_type IN ('scheduled', 'backfill')");
                  db.exec("CREATE INDEX dag_runs_by_dag ON dag_runs(dag_id, logical_date_ms)");
                  db.exec("CREATE INDEX dag_runs_active ON dag_runs(state) WHERE state IN "
                          "('queued', 'running')");
                  db.exec("CREATE TABLE task_instances ("
                          "  run_row INTEGER NOT NULL REFERENCES dag_runs(id) ON DELETE CASCADE,"
                          "  task_id TEXT NOT NULL,"
                          "  state TEXT NOT NULL,"
                          "  try_number INTEGER NOT NULL,"
                          "  max_tries INTEGER NOT NULL,"
                          "  operator TEXT NOT NULL,"
                          "  pool TEXT NOT NULL,"
                          "  pool_slots INTEGER NOT NULL,"
                          "  start_ms INTEGER,"
                          "  end_ms INTEGER,"
                          "  next_try_at_ms INTEGER,"
                          "  message TEXT NOT NULL,"
                          "  PRIMARY KEY (run_row, task_id)"
                          ") STRICT");
                  db.exec("CREATE TABLE task_tries ("
                          "  run_row INTEGER NOT NULL REFERENCES dag_runs(id) ON DELETE CASCADE,"
                          "  task_id TEXT NOT NULL,"
                          "  try_number INTEGER NOT NULL,"
                          "  state TEXT NOT NULL,"
                          "  start_ms INTEGER NOT NULL,"
                          "  end_ms INTEGER,"
                          "  message TEXT NOT NULL,"
                          "  PRIMARY KEY (run_row, task_id, try_number)"
                          ") STRICT");
                  db.exec("CREATE TABLE xcom ("
                          "  run_row INTEGER NOT NULL REFERENCES dag_runs(id) ON DELETE CASCADE,"
                          "  task_id TEXT NOT NULL,"
                          "  key TEXT NOT NULL,"
                          "  value TEXT NOT NULL,"
                          "  PRIMARY KEY (run_row, task_id, key)"
                          ") STRICT");
                  // Pools cap how many task slots run at once; "training" keeps two LibTorch
                  // trainings from sharing a small machine's cores.
                  db.exec("CREATE TABLE pools ("
                          "  name TEXT PRIMARY KEY NOT NULL,"
                          "  slots INTEGER NOT NULL CHECK (slots >= 0),"
                          "  description TEXT NOT NULL"
                          ") STRICT");
                  db.exec("INSERT INTO pools VALUES ('default_pool', 16, 'the pool of tasks "
                          "that name none'), ('training', 1, 'model training, one at a time')");
                  // Actions other processes ask of the running scheduler (`millrace dags
                  // trigger` while the app has the workspace): the scheduler applies each once
                  // and writes back its outcome.
                  db.exec("CREATE TABLE scheduler_requests ("
                          "  id INTEGER PRIMARY KEY,"
                          "  action TEXT NOT NULL,"
                          "  dag_id TEXT NOT NULL,"
                          "  payload TEXT NOT NULL,"
                          "  created_at_ms INTEGER NOT NULL,"
                          "  done_at_ms INTEGER,"
                          "  ok INTEGER,"
                          "  outcome TEXT"
                          ") STRICT");
                  // Lets readers (the Jobs panel, another process) see cheaply that something
                  // changed, like registry_changes.
                  db.exec("CREATE TABLE scheduler_changes ("
                          "  id INTEGER PRIMARY KEY CHECK (id = 1),"
                          "  changes INTEGER NOT NULL"
                          ") STRICT");
                  db.exec("INSERT INTO scheduler_changes VALUES (1, 0)");
                  for (const char *table : {"dag_state", "dag_runs", "task_instances"}) {
                      const std::string name(table);
                      for (const char *event : {"INSERT", "UPDATE", "DELETE"}) {
                          const std::string when(event);
                          db.exec("CREATE TRIGGER " + name + "_" + when + "_counted AFTER " + when
                                  + " ON " + name
                                  + " BEGIN UPDATE scheduler_changes SET changes = changes + 1; "
                                    "END");
                      }
                  }
              }},
};

} // namespace

std::span<const Migration> millraceMigrations()
{
    return kMigrations;
}

} // namespace millrace

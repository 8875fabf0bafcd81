#!/usr/bin/env python3
"""check_store.py CANDIDATE_JSON WORKSPACE_DIR [REGISTRY_JSON]

After the scenario ran against Millrace, checks that Millrace's own store holds exactly what the
client logged and read back: for every run, its status, params, tags and latest metrics; the
full metric histories the scenario read; and the artifact files on disk with their sizes. Reads
the workspace's SQLite database directly (read-only), not through the REST API.
With REGISTRY_JSON (registry_scenario.py's output), also checks the model registry: the models
and versions the client read last are the ones in the store, the history names the REST API as
the actor, and every version's files in models/ are a byte-for-byte copy of the run's folder it
was registered from.
Exit 0 when everything matches, 1 with a list of differences otherwise.
"""
import filecmp
import json
import math
import os
import re
import sqlite3
import sys


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    candidate = json.load(open(sys.argv[1]))
    workspace = sys.argv[2]
    registry = json.load(open(sys.argv[3])) if len(sys.argv) == 4 else None
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(workspace, "millrace.db"), uri=True)
    problems = []

    def run_row(name):
        row = db.execute("SELECT run_key, run_uuid, experiment_id, status FROM runs WHERE name = ?",
                         (name,)).fetchall()
        if len(row) != 1:
            problems.append("run %r: %d rows in the store, expected 1" % (name, len(row)))
            return None
        return row[0]

    for symbolic, expected in candidate["runs"].items():
        name = expected["run_name"]
        row = run_row(name)
        if row is None:
            continue
        run_key, run_uuid, experiment_id, status = row
        if status != expected["status"]:
            problems.append("run %s: status %s in the store, %s read back" % (name, status, expected["status"]))
        params = dict(db.execute("SELECT key, value FROM params WHERE run_key = ?", (run_key,)))
        if params != expected.get("params", {}):
            problems.append("run %s: params differ: store %r, read back %r" % (name, params, expected.get("params")))
        tags = dict(db.execute("SELECT key, value FROM tags WHERE run_key = ?", (run_key,)))
        for key, value in expected.get("tags", {}).items():
            # The scenario writes run ids symbolically (run:<name>); resolve them.
            if isinstance(value, str) and value.startswith("run:"):
                found = db.execute("SELECT run_uuid FROM runs WHERE name = ?", (value[4:],)).fetchone()
                value = found[0] if found else value
            if tags.get(key) != value:
                problems.append("run %s: tag %s is %r in the store, %r read back" % (name, key, tags.get(key), value))
        latest = {key: (step, value) for key, step, value in db.execute(
            "SELECT key, step, value FROM latest_metrics WHERE run_key = ?", (run_key,))}
        for key, point in expected.get("latest_metrics", {}).items():
            got = latest.get(key)
            if got is None or got[0] != point["step"] or not same(got[1], point["value"]):
                problems.append("run %s: latest %s is %r in the store, %r read back" % (name, key, got, point))
        if set(latest) != set(expected.get("latest_metrics", {})):
            problems.append("run %s: metric keys %s in the store, %s read back"
                            % (name, sorted(latest), sorted(expected.get("latest_metrics", {}))))

    # Full histories the scenario read, all of the main run.
    main = run_row("train-main")
    if main is not None:
        for field, key in (("history_acc", "acc"), ("history_loss", "loss"),
                           ("history_late_step", "late_step"), ("history_lr_sched", "lr_sched")):
            stored = [(step, value) for step, value in db.execute(
                "SELECT step, value FROM metrics WHERE run_key = ? AND key = ? ORDER BY step, timestamp, value",
                (main[0], key))]
            read = [(p["step"], p["value"]) for p in candidate[field]]
            if len(stored) != len(read) or any(a[0] != b[0] or not same(a[1], b[1]) for a, b in zip(stored, read)):
                problems.append("history %s: store %r, read back %r" % (key, stored, read))

        # Artifacts: the files the client listed are on disk with the listed sizes.
        root = os.path.join(workspace, "artifacts", str(main[2]), main[1], "artifacts")
        for field in ("artifacts_root", "artifacts_plots", "artifacts_config_fluent", "artifacts_model_bin"):
            for entry in candidate[field]:
                path = os.path.join(root, entry["path"])
                if entry["is_dir"]:
                    if not os.path.isdir(path):
                        problems.append("artifact folder %s missing on disk" % entry["path"])
                elif not os.path.isfile(path) or os.path.getsize(path) != entry["file_size"]:
                    problems.append("artifact %s: not on disk with %s bytes" % (entry["path"], entry["file_size"]))

    logged = len(candidate["runs"])
    if registry is not None:
        logged += len(registry["logged_runs"])
        check_registry(db, workspace, registry, problems)
    total = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    if total != logged:
        problems.append("%d runs in the store, %d logged" % (total, logged))

    for problem in problems:
        print("check_store.py: " + problem)
    if problems:
        return 1
    print("check_store.py: the store holds exactly what was logged (%d runs%s)"
          % (total, "" if registry is None else ", the registry's models and their files"))
    return 0


def check_registry(db, workspace, registry, problems):
    names = sorted(row[0] for row in db.execute("SELECT name FROM registered_models"))
    if names != registry["final_model_names"]:
        problems.append("registered models %s in the store, %s read back"
                        % (names, registry["final_model_names"]))
    rows = db.execute(
        "SELECT m.name, v.version, v.current_stage, v.status, v.source, v.run_id, "
        "v.storage_path FROM model_versions v JOIN registered_models m USING (model_id) "
        "WHERE v.deleted = 0 ORDER BY m.name, v.version").fetchall()
    read = {(v["name"], v["version"]): v["current_stage"] for v in registry["final_versions"]}
    stored = {(name, str(version)): stage for name, version, stage, *_ in rows
              if name == "fraud-detector"}
    if stored != read:
        problems.append("versions of fraud-detector: %s in the store, %s read back"
                        % (sorted(stored.items()), sorted(read.items())))
    actors = [row[0] for row in db.execute("SELECT DISTINCT actor FROM registry_events")]
    if actors != ["mlflow REST API"]:
        problems.append("registry history actors %s, expected the REST API's" % actors)
    for name, version, _, status, source, run_id, storage in rows:
        if status != "READY" or not storage:
            problems.append("version %s/%s is %s with no files" % (name, version, status))
            continue
        run = db.execute("SELECT experiment_id FROM runs WHERE run_uuid = ?",
                         (run_id,)).fetchone()
        path = re.sub(r"^(runs:/[0-9a-f]+/|mlflow-artifacts:/[^/]+/[0-9a-f]+/artifacts/)", "",
                      source)
        if run is None or path == source:
            problems.append("version %s/%s: cannot find the run folder of %s" % (name, version, source))
            continue
        original = os.path.join(workspace, "artifacts", str(run[0]), run_id, "artifacts", path)
        copy = os.path.join(workspace, "models", storage)
        if not same_tree(original, copy):
            problems.append("version %s/%s: %s is not a copy of %s" % (name, version, copy, original))


def same_tree(a, b):
    if not os.path.isdir(a) or not os.path.isdir(b):
        return False
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    return not mismatch and not errors and all(
        same_tree(os.path.join(a, d), os.path.join(b, d)) for d in compared.common_dirs)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)


if __name__ == "__main__":
    sys.exit(main())

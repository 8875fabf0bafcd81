#!/usr/bin/env python3
"""A realistic MLflow user script, run with the real `mlflow` client against a tracking server.

    client_scenario.py --tracking-uri http://127.0.0.1:PORT [--workdir DIR]

It logs a small training session (two experiments, four runs incl. a FAILED one and a
nested child, params, metrics with steps, batches, tags, artifacts in subdirectories) with
both the fluent API and MlflowClient, then reads everything back and prints ONE JSON
document on stdout. The document is normalized so that the output of two different
servers (the reference `mlflow server` and Millrace) can be compared with compare.py:

  * run ids and experiment ids are replaced by symbolic names ("run:train-main",
    "exp:millrace-scenario"), also inside tags (mlflow.parentRunId) and artifact URIs;
  * server- or machine-dependent values are dropped: timestamps the client did not choose
    (start/end/creation/update times, timestamps of fluent log_metric calls), user ids,
    mlflow.user and mlflow.source.* tags, page tokens;
  * lists whose order the API does not define are sorted; lists whose order is the
    contract (search results with order_by) are kept in order.

Exit status: 0 on success; 2 if any client call raised (message and traceback on stderr);
3 if the data read back is inconsistent with what was logged (the JSON is still printed).

Environment: MILLRACE_CAPTURE_MARKERS=1 makes the script send `GET /__capture_marker__?step=NAME`
to the tracking URI before each step; the capturing proxy used to record
reference_traffic.jsonl turns these into step labels. Never set it against a real server.
"""

import argparse
import hashlib
import json
import math
import os
import re
import struct
import sys
import tempfile
import traceback
import urllib.parse
import urllib.request
import zlib

# Must be set before mlflow is imported: no telemetry (no internet, not part of the
# protocol), no retries with long back-off (a broken server must fail fast), bounded waits.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

EXPERIMENT = "millrace-scenario"
AUX_EXPERIMENT = "millrace-scenario-aux"
# Timestamps chosen by the script (log_batch): they must come back unchanged.
T0 = 1_700_000_000_000
LONG_VALUE = ("A long-ish parameter value that a real user might log, e.g. a serialized "
              "preprocessing pipeline description. ") * 5  # ~500 characters
NOTES_TEXT = "Millrace MLflow scenario notes.\nline 2: unicode \u00e9\u00e8\u2713\n"
# Tags that depend on the machine / checkout / OS user, not on the server.
DROPPED_TAG_PREFIXES = ("mlflow.source.", "mlflow.user", "mlflow.databricks.")


class ScenarioInconsistency(Exception):
    pass


def tiny_png() -> bytes:
    """A valid 2x2 RGB PNG, built with the stdlib."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes([255, 0, 0, 0, 255, 0]) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


class Ids:
    """Maps server-assigned ids to stable symbolic names."""

    def __init__(self):
        self.runs = {}         # run_id -> "run:<run name>"
        self.experiments = {}  # experiment_id -> "exp:<name>"

    def run(self, run_id):
        return self.runs.get(run_id, "run:<unknown %s>" % run_id)

    def exp(self, exp_id):
        return self.experiments.get(exp_id, "exp:<unknown %s>" % exp_id)

    def uri(self, uri):
        """Artifact URI with ids replaced segment by segment and any host:port elided."""
        if uri is None:
            return None
        m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:)(//[^/]*)?(.*)$", uri)
        if not m:
            return uri
        scheme, authority, rest = m.group(1), m.group(2), m.group(3)
        segs = rest.split("/")
        segs = [self.runs.get(s) or self.experiments.get(s) or s for s in segs]
        return scheme + ("//<authority>" if authority and authority != "//" else (authority or "")) \
            + "/".join(segs)


def fnum(x):
    """JSON-safe float: non-finite values become strings."""
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def keep_tag(key):
    return not key.startswith(DROPPED_TAG_PREFIXES)


def norm_tags(tags, ids):
    out = {}
    for k, v in sorted(tags.items()):
        if not keep_tag(k):
            continue
        if k == "mlflow.parentRunId":
            v = ids.run(v)
        out[k] = v
    return out


def norm_experiment(exp, ids):
    if exp is None:
        return None
    return {
        "experiment_id": ids.exp(exp.experiment_id),
        "name": exp.name,
        "artifact_location": ids.uri(exp.artifact_location),
        "lifecycle_stage": exp.lifecycle_stage,
        "tags": norm_tags(exp.tags, ids),
        "has_creation_time": isinstance(exp.creation_time, int) and exp.creation_time > 0,
        "has_last_update_time": isinstance(exp.last_update_time, int) and exp.last_update_time > 0,
    }


def norm_run(run, ids):
    info, data = run.info, run.data
    # data.metrics is {key: latest value}; _metric_objs are the Metric entities the server
    # returned for the latest values (they carry step and timestamp too).
    latest = {}
    for m in getattr(data, "_metric_objs", []):
        latest[m.key] = {"value": fnum(m.value), "step": m.step}
    return {
        "run_id": ids.run(info.run_id),
        "run_name": info.run_name,
        "experiment_id": ids.exp(info.experiment_id),
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "artifact_uri": ids.uri(info.artifact_uri),
        "has_start_time": isinstance(info.start_time, int) and info.start_time > 0,
        "has_end_time": isinstance(info.end_time, int) and info.end_time > 0,
        "end_not_before_start": (info.end_time is None or info.start_time is None
                                 or info.end_time >= info.start_time),
        "params": dict(sorted(data.params.items())),
        "metrics": {k: fnum(v) for k, v in sorted(data.metrics.items())},
        "latest_metrics": dict(sorted(latest.items())),
        "tags": norm_tags(data.tags, ids),
    }


def norm_history(metrics, keep_timestamps):
    rows = []
    for m in metrics:
        row = {"key": m.key, "value": fnum(m.value), "step": m.step}
        if keep_timestamps:
            row["timestamp"] = m.timestamp
        rows.append(row)
    # The order of get-history is not specified by the API: sort.
    return sorted(rows, key=lambda r: (r["step"], r.get("timestamp", 0), str(r["value"])))


def norm_files(files):
    return sorted(({"path": f.path, "is_dir": f.is_dir, "file_size": f.file_size}
                   for f in files), key=lambda f: f["path"])


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(run=None, doc=__doc__, prog="client_scenario.py"):
    """Runs `run(tracking_uri, scratch, step, checks)` (this file's scenario by default; the
    registry scenario passes its own) and prints its normalized output with the checks."""
    run = run or run_scenario
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--workdir", help="scratch directory (default: a temporary one)")
    args = ap.parse_args()

    markers = os.environ.get("MILLRACE_CAPTURE_MARKERS") == "1"

    def step(name):
        if markers:
            url = args.tracking_uri.rstrip("/") + "/__capture_marker__?" + \
                urllib.parse.urlencode({"step": name})
            urllib.request.urlopen(url, timeout=5).read()

    checks = {}
    try:
        if args.workdir:
            os.makedirs(args.workdir, exist_ok=True)
            scratch = tempfile.mkdtemp(prefix="scenario-", dir=args.workdir)
        else:
            scratch = tempfile.mkdtemp(prefix="millrace-mlflow-scenario-")
        # mlflow prints "View run ... at: URL" lines on stdout: keep stdout for the JSON only.
        real_stdout, sys.stdout = sys.stdout, sys.stderr
        try:
            result = run(args.tracking_uri, scratch, step, checks)
        finally:
            sys.stdout = real_stdout
    except Exception as e:  # any client call that raises fails the scenario
        sys.stderr.write("%s: a client call failed: %s: %s\n" % (prog, type(e).__name__, e))
        traceback.print_exc(file=sys.stderr)
        return 2
    result["checks"] = dict(sorted(checks.items()))
    json.dump(result, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    failed = [k for k, v in checks.items() if not v]
    if failed:
        sys.stderr.write("%s: inconsistent read-back: %s\n" % (prog, ", ".join(failed)))
        return 3
    return 0


def run_scenario(tracking_uri, scratch, step, checks):
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri)
    ids = Ids()
    out = {"mlflow_client_version": mlflow.__version__}

    # ------------------------------------------------------------------ write
    step("set_experiment")
    exp = mlflow.set_experiment(EXPERIMENT)            # creates it
    ids.experiments[exp.experiment_id] = "exp:" + EXPERIMENT
    step("set_experiment_tag")
    mlflow.set_experiment_tag("team", "millrace")
    step("set_experiment_tags")
    mlflow.set_experiment_tags({"purpose": "acceptance",
                                "mlflow.note.content": "Experiment of the Millrace scenario"})
    step("create_experiment_aux")
    aux_id = client.create_experiment(AUX_EXPERIMENT, tags={"kind": "aux"})
    ids.experiments[aux_id] = "exp:" + AUX_EXPERIMENT
    out["set_experiment_return"] = {"name": exp.name,
                                    "experiment_id": ids.exp(exp.experiment_id)}
    out["create_experiment_returns_string"] = isinstance(aux_id, str)

    files = os.path.join(scratch, "files")
    os.makedirs(files)
    notes = os.path.join(files, "notes.txt")
    with open(notes, "w", encoding="utf-8") as f:
        f.write(NOTES_TEXT)
    png = os.path.join(files, "tiny.png")
    png_bytes = tiny_png()
    with open(png, "wb") as f:
        f.write(png_bytes)
    blob = os.path.join(files, "weights.bin")
    blob_bytes = bytes(range(256)) * 8  # 2 KiB binary
    with open(blob, "wb") as f:
        f.write(blob_bytes)

    # --- main run ---------------------------------------------------------
    step("start_run train-main")
    with mlflow.start_run(run_name="train-main") as run:
        main_id = run.info.run_id
        ids.runs[main_id] = "run:train-main"
        out["start_run_return"] = {"run_name": run.info.run_name, "status": run.info.status,
                                   "artifact_uri": ids.uri(run.info.artifact_uri)}

        step("log_param lr")
        mlflow.log_param("lr", 0.01)
        step("log_params")
        mlflow.log_params({"batch_size": 32, "optimizer": "adam", "layers": [64, 32],
                           "notes": LONG_VALUE})
        step("log_metric loss/acc steps 0..4")
        for i in range(5):
            mlflow.log_metric("loss", round(1.0 / (i + 1), 6), step=i)
            mlflow.log_metric("acc", [0.5, 0.62, 0.75, 0.85, 0.91][i], step=i)
        step("log_metric late_step (step 10 then step 5)")
        mlflow.log_metric("late_step", 1.0, step=10)
        mlflow.log_metric("late_step", 2.0, step=5)   # lower step: not the "latest" value
        step("log_metrics")
        mlflow.log_metrics({"val_loss": 0.3, "val_acc": 0.88}, step=4)
        step("MlflowClient.log_batch")
        metrics = [Metric("lr_sched", 0.01 * (0.5 ** i), T0 + 1000 * i, i) for i in range(6)]
        metrics += [Metric("throughput", 1234.5, T0, 0),
                    Metric("neg", -3.25, T0, 0),
                    Metric("big_step", 7.0, T0, 2 ** 40)]
        client.log_batch(main_id, metrics=metrics,
                         params=[Param("seed", "42"), Param("dataset", "mnist-small")],
                         tags=[RunTag("phase", "train"), RunTag("gpu", "none")])
        step("set_tag")
        mlflow.set_tag("owner", "ci")
        step("set_tags")
        mlflow.set_tags({"stage": "dev", "mlflow.note.content": "main run"})
        step("set_tag temp + delete_tag")
        mlflow.set_tag("temp", "to-be-deleted")
        client.delete_tag(main_id, "temp")
        step("log_artifact notes.txt")
        mlflow.log_artifact(notes)
        step("log_artifact plots/tiny.png")
        mlflow.log_artifact(png, artifact_path="plots")
        step("log_artifact model/weights.bin")
        mlflow.log_artifact(blob, artifact_path="model/bin")
        step("log_dict config/config.json")
        mlflow.log_dict({"lr": 0.01, "layers": [64, 32]}, "config/config.json")

        # --- nested child run ---------------------------------------------
        step("start_run child-eval nested")
        with mlflow.start_run(run_name="child-eval", nested=True) as child:
            child_id = child.info.run_id
            ids.runs[child_id] = "run:child-eval"
            step("child log_param/log_metric")
            mlflow.log_param("fold", 1)
            mlflow.log_metric("child_score", 0.5, step=0)
            step("end_run child-eval")
        step("end_run train-main")

    # --- failed run ---------------------------------------------------------
    step("start_run failed-run")
    failed = mlflow.start_run(run_name="failed-run")
    failed_id = failed.info.run_id
    ids.runs[failed_id] = "run:failed-run"
    step("failed-run log_param/log_metric")
    mlflow.log_param("lr", "0.1")
    mlflow.log_metric("acc", 0.2, step=0)
    step("end_run failed-run FAILED")
    mlflow.end_run(status="FAILED")

    # --- another finished run (so filters and order_by have something to do) -----------
    step("start_run train-alt")
    with mlflow.start_run(run_name="train-alt") as alt:
        alt_id = alt.info.run_id
        ids.runs[alt_id] = "run:train-alt"
        mlflow.log_params({"lr": "0.01", "optimizer": "sgd"})
        mlflow.log_metric("acc", 0.7, step=0)
        step("end_run train-alt")

    # ------------------------------------------------------------------ read back
    step("get_experiment_by_name")
    out["experiment_by_name"] = norm_experiment(client.get_experiment_by_name(EXPERIMENT), ids)
    step("get_experiment_by_name missing")
    out["experiment_by_name_missing"] = norm_experiment(
        client.get_experiment_by_name("no-such-experiment-xyz"), ids)
    step("get_experiment")
    out["experiment_by_id"] = norm_experiment(client.get_experiment(exp.experiment_id), ids)
    out["aux_experiment"] = norm_experiment(client.get_experiment(aux_id), ids)

    step("search_experiments")
    exps = client.search_experiments(order_by=["name ASC"])
    out["search_experiments_all_names"] = [e.name for e in exps]
    step("search_experiments filter")
    exps = client.search_experiments(filter_string="name LIKE 'millrace-%'",
                                     order_by=["name DESC"])
    out["search_experiments_filtered"] = [norm_experiment(e, ids) for e in exps]
    step("search_experiments tag filter")
    exps = client.search_experiments(filter_string="tags.kind = 'aux'")
    out["search_experiments_by_tag"] = [e.name for e in exps]

    step("get_run")
    out["runs"] = {}
    for rid in (main_id, child_id, failed_id, alt_id):
        r = client.get_run(rid)
        out["runs"][ids.run(rid)] = norm_run(r, ids)

    exp_ids = [exp.experiment_id]

    def names(runs):
        return [r.info.run_name for r in runs]

    step("search_runs acc/lr filter order_by acc DESC")
    res = client.search_runs(exp_ids, filter_string="metrics.acc > 0.5 and params.lr = '0.01'",
                             order_by=["metrics.acc DESC"])
    out["search_acc_lr_desc"] = [norm_run(r, ids) for r in res]
    step("search_runs status FAILED")
    out["search_status_failed"] = names(client.search_runs(
        exp_ids, filter_string="attributes.status = 'FAILED'"))
    step("search_runs by parentRunId")
    out["search_children_of_main"] = names(client.search_runs(
        exp_ids, filter_string="tags.mlflow.parentRunId = '%s'" % main_id))
    step("search_runs params LIKE")
    out["search_param_like"] = sorted(names(client.search_runs(
        exp_ids, filter_string="params.optimizer LIKE 'ad%'")))
    step("search_runs run_name")
    out["search_run_name"] = names(client.search_runs(
        exp_ids, filter_string="attributes.run_name = 'train-alt'"))
    step("search_runs order_by start_time ASC")
    out["search_all_start_asc"] = names(client.search_runs(
        exp_ids, order_by=["attributes.start_time ASC"]))
    step("search_runs order_by metrics.acc ASC")
    out["search_all_acc_asc"] = names(client.search_runs(
        exp_ids, order_by=["metrics.acc ASC", "attributes.run_name ASC"]))
    step("search_runs empty result")
    out["search_none"] = names(client.search_runs(exp_ids, filter_string="metrics.acc > 100"))

    step("search_runs paginated max_results=1")
    pages, token = [], None
    for _ in range(10):
        page = client.search_runs(exp_ids, order_by=["attributes.start_time ASC"],
                                  max_results=1, page_token=token)
        pages.append(names(page))
        token = page.token
        if not token:
            break
    out["search_paginated"] = {"pages": pages, "ended_with_empty_token": not token}

    step("fluent search_runs (pandas)")
    df = mlflow.search_runs(experiment_names=[EXPERIMENT],
                            filter_string="metrics.acc > 0.5 and params.lr = '0.01'",
                            order_by=["metrics.acc DESC"])
    out["fluent_search_runs_df"] = {
        "rows": [{"run_name": r["tags.mlflow.runName"], "status": r["status"],
                  "acc": fnum(r["metrics.acc"]), "lr": r["params.lr"]}
                 for _, r in df.iterrows()],
        "columns": sorted(c for c in df.columns
                          if not c.startswith(tuple("tags." + p for p in DROPPED_TAG_PREFIXES))),
    }
    step("fluent search_runs list, all experiments")
    lst = mlflow.search_runs(experiment_names=[EXPERIMENT, AUX_EXPERIMENT],
                             output_format="list", order_by=["attributes.run_name ASC"])
    out["fluent_search_runs_list"] = names(lst)

    step("get_metric_history loss")
    out["history_loss"] = norm_history(client.get_metric_history(main_id, "loss"), False)
    step("get_metric_history acc")
    out["history_acc"] = norm_history(client.get_metric_history(main_id, "acc"), False)
    step("get_metric_history lr_sched")
    out["history_lr_sched"] = norm_history(client.get_metric_history(main_id, "lr_sched"), True)
    step("get_metric_history late_step")
    out["history_late_step"] = norm_history(client.get_metric_history(main_id, "late_step"),
                                            False)
    step("get_metric_history unknown key")
    out["history_unknown_key"] = norm_history(client.get_metric_history(main_id, "nope"), False)

    step("list_artifacts root")
    out["artifacts_root"] = norm_files(client.list_artifacts(main_id))
    step("list_artifacts plots")
    out["artifacts_plots"] = norm_files(client.list_artifacts(main_id, "plots"))
    step("list_artifacts model/bin")
    out["artifacts_model_bin"] = norm_files(client.list_artifacts(main_id, "model/bin"))
    step("list_artifacts child (empty)")
    out["artifacts_child"] = norm_files(client.list_artifacts(child_id))
    step("mlflow.artifacts.list_artifacts config")
    out["artifacts_config_fluent"] = norm_files(
        mlflow.artifacts.list_artifacts(run_id=main_id, artifact_path="config"))

    dl = os.path.join(scratch, "downloads")
    os.makedirs(dl)
    step("download_artifacts notes.txt")
    p = client.download_artifacts(main_id, "notes.txt", dst_path=os.path.join(dl, "a"))
    with open(p, encoding="utf-8") as f:
        got = f.read()
    out["download_notes_text"] = got
    checks["download_notes_matches"] = got == NOTES_TEXT
    step("download_artifacts plots dir")
    p = mlflow.artifacts.download_artifacts(run_id=main_id, artifact_path="plots",
                                            dst_path=os.path.join(dl, "b"))
    listing = sorted(os.listdir(p))
    out["download_plots_dir_listing"] = listing
    checks["download_png_matches"] = (
        "tiny.png" in listing
        and sha256_file(os.path.join(p, "tiny.png")) == hashlib.sha256(png_bytes).hexdigest())
    step("download_artifacts model/bin/weights.bin")
    p = client.download_artifacts(main_id, "model/bin/weights.bin", dst_path=os.path.join(dl, "c"))
    checks["download_blob_matches"] = sha256_file(p) == hashlib.sha256(blob_bytes).hexdigest()
    step("load_dict config/config.json")
    cfg = mlflow.artifacts.load_dict(
        "runs:/%s/config/config.json" % main_id)
    out["load_dict_config"] = cfg
    checks["load_dict_matches"] = cfg == {"lr": 0.01, "layers": [64, 32]}
    step("done")

    # Self-consistency of what came back (the servers must also agree with each other).
    main = out["runs"]["run:train-main"]
    checks["main_params_roundtrip"] = (
        main["params"].get("lr") == "0.01" and main["params"].get("notes") == LONG_VALUE
        and main["params"].get("layers") == "[64, 32]" and main["params"].get("seed") == "42")
    checks["main_latest_acc"] = main["metrics"].get("acc") == 0.91
    checks["main_latest_late_step_is_max_step"] = main["metrics"].get("late_step") == 1.0
    checks["main_tag_deleted"] = "temp" not in main["tags"]
    checks["child_parent_tag"] = (out["runs"]["run:child-eval"]["tags"].get("mlflow.parentRunId")
                                  == "run:train-main")
    checks["failed_status"] = out["runs"]["run:failed-run"]["status"] == "FAILED"
    checks["lr_sched_timestamps_roundtrip"] = (
        [r["timestamp"] for r in out["history_lr_sched"]] == [T0 + 1000 * i for i in range(6)])
    checks["missing_experiment_is_none"] = out["experiment_by_name_missing"] is None
    return out


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The model registry part of the acceptance test, run with the real `mlflow` client.

    registry_scenario.py --tracking-uri http://127.0.0.1:PORT [--workdir DIR]

A user logs two runs with a `model` folder (uploaded with log_artifacts), registers a model with
tags and a description, makes versions from the runs (mlflow.register_model and
MlflowClient.create_model_version), moves them through stages (archiving the previous
Production version), sets, moves and deletes aliases, searches models and versions (filters,
order_by, paging), renames, edits descriptions and tags, deletes a version and a model, and
provokes the usual mistakes. It also reads four answers as raw JSON, to compare the wire
format itself and not only what the client makes of it.

Like client_scenario.py it prints ONE normalized JSON document on stdout for compare.py: run ids
become "run:<name>", timestamps become checks (set, ordered), page tokens are dropped, and
lists whose order the API leaves open are sorted. Errors are recorded by their MLflow error code.
It needs a server whose registry is empty and that has no experiment named
"millrace-registry"; it may run after client_scenario.py against the same server.

Exit status: 0 on success; 2 if a client call that should work raised; 3 if what was read back
is inconsistent with what was done (the JSON is still printed). MILLRACE_CAPTURE_MARKERS works as
in client_scenario.py.
"""

import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

# Importing it also sets the client's environment (no telemetry, no retries) before mlflow is
# imported; its main() runs this scenario as it runs its own.
import client_scenario  # same folder
from client_scenario import Ids

EXPERIMENT = "millrace-registry"
MODEL = "fraud-detector"
OTHER = "churn-model"
SCRATCH_MODEL = "scratch-model"
MLMODEL = "artifact_path: model\nflavors:\n  python_function:\n    loader_module: millrace\n"


def write_model(folder, weights):
    os.makedirs(os.path.join(folder, "data"))
    with open(os.path.join(folder, "MLmodel"), "w") as f:
        f.write(MLMODEL)
    with open(os.path.join(folder, "requirements.txt"), "w") as f:
        f.write("numpy\n")
    with open(os.path.join(folder, "data", "weights.bin"), "wb") as f:
        f.write(weights)


def digest(folder):
    """sha256 of every file under folder, by relative path, but for the registered_model_meta
    file the client writes itself after downloading a models:/ URI."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            if name == "registered_model_meta":
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return dict(sorted(out.items()))


class Normalizer:
    def __init__(self, ids):
        self.ids = ids

    def source(self, source):
        # runs:/<id>/model and mlflow-artifacts:/<exp>/<id>/artifacts/model: ids by name.
        return self.ids.uri(source)

    def version(self, mv):
        return {
            "name": mv.name,
            "version": mv.version,
            "version_type": type(mv.version).__name__,
            "current_stage": mv.current_stage,
            "description": mv.description,
            "source": self.source(mv.source),
            "run_id": self.ids.run(mv.run_id) if mv.run_id else mv.run_id,
            "run_link": mv.run_link,
            "status": mv.status,
            "status_message": mv.status_message,
            "tags": dict(sorted(mv.tags.items())),
            "aliases": sorted(mv.aliases),
            "user_id": mv.user_id,
            "has_creation_timestamp": isinstance(mv.creation_timestamp, int)
            and mv.creation_timestamp > 0,
            "updated_not_before_created": mv.last_updated_timestamp >= mv.creation_timestamp,
        }

    def model(self, rm):
        return {
            "name": rm.name,
            "description": rm.description,
            "tags": dict(sorted(rm.tags.items())),
            "aliases": dict(sorted(rm.aliases.items())),
            # The order of latest_versions is the server's: sort by version.
            "latest_versions": sorted((self.version(v) for v in rm.latest_versions or []),
                                      key=lambda v: int(v["version"])),
            "has_creation_timestamp": isinstance(rm.creation_timestamp, int)
            and rm.creation_timestamp > 0,
            "updated_not_before_created": rm.last_updated_timestamp >= rm.creation_timestamp,
        }

    def raw(self, value):
        """A raw JSON answer with ids by name and timestamps replaced by their type."""
        if isinstance(value, dict):
            out = {}
            for key, item in sorted(value.items()):
                if key.endswith("timestamp"):
                    out[key] = type(item).__name__
                elif key == "latest_versions":
                    # In the order of MLflow's SQL rows, which the API leaves open.
                    out[key] = sorted(self.raw(item), key=lambda v: int(v["version"]))
                elif key == "next_page_token":
                    out[key] = "<token>"
                else:
                    out[key] = self.raw(item)
            return out
        if isinstance(value, list):
            return [self.raw(item) for item in value]
        if isinstance(value, str):
            if value in self.ids.runs:
                return self.ids.runs[value]
            if ":/" in value:
                return self.ids.uri(value)
        return value


def error_code(call):
    """The MLflow error code a call raises, or 'no error'."""
    from mlflow.exceptions import MlflowException
    try:
        call()
    except MlflowException as e:
        return e.error_code
    return "no error"


def run_scenario(tracking_uri, scratch, step, checks):
    import warnings

    import mlflow
    from mlflow import MlflowClient

    # Stages are deprecated in MLflow 3 but still served; the warnings are noise here.
    warnings.filterwarnings("ignore", category=FutureWarning)
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri)
    ids = Ids()
    norm = Normalizer(ids)
    out = {}

    def raw_get(endpoint, **params):
        url = "%s/api/2.0/mlflow/%s?%s" % (tracking_uri.rstrip("/"), endpoint,
                                           urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=30) as answer:
            return norm.raw(json.loads(answer.read()))

    # ------------------------------------------------------------------ runs with a model
    step("registry: runs with a model")
    exp = mlflow.set_experiment(EXPERIMENT)
    ids.experiments[exp.experiment_id] = "exp:" + EXPERIMENT
    folders = {}
    run_ids = {}
    for name, weights in (("reg-train", bytes(range(256)) * 4), ("reg-retrain", b"\x01" * 512)):
        folder = os.path.join(scratch, name, "model")
        write_model(folder, weights)
        folders[name] = folder
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_param("weights_bytes", len(weights))
            mlflow.log_artifacts(folder, artifact_path="model")
        run_ids[name] = run.info.run_id
        ids.runs[run.info.run_id] = "run:" + name
    train, retrain = run_ids["reg-train"], run_ids["reg-retrain"]

    # ------------------------------------------------------------------ registered models
    step("registry: registered models")
    rm = client.create_registered_model(MODEL, tags={"team": "risk", "tier": "1"},
                                        description="Flags card fraud")
    out["create_registered_model"] = norm.model(rm)
    out["create_other"] = norm.model(client.create_registered_model(OTHER, tags={"team": "growth"}))
    client.create_registered_model(SCRATCH_MODEL)

    # ------------------------------------------------------------------ versions
    step("registry: versions")
    # register_model resolves runs:/ to the run's artifact URI (the folder has an MLmodel).
    mv1 = mlflow.register_model("runs:/%s/model" % train, MODEL)
    out["register_model_v1"] = norm.version(mv1)
    mv2 = client.create_model_version(MODEL, "runs:/%s/model" % retrain, retrain,
                                      tags={"candidate": "true"}, description="retrained")
    out["create_model_version_v2"] = norm.version(mv2)
    mv3 = client.create_model_version(MODEL, "runs:/%s/model" % retrain, retrain,
                                      run_link="http://example.invalid/run")
    out["create_model_version_v3"] = norm.version(mv3)
    # register_model also creates the registered model when it does not exist yet.
    out["register_model_new_name"] = norm.version(
        mlflow.register_model("runs:/%s/model" % train, "churn-new"))
    out["other_v1"] = norm.version(client.create_model_version(
        OTHER, "runs:/%s/model" % train, train))
    client.create_model_version(SCRATCH_MODEL, "runs:/%s/model" % train, train)

    # ------------------------------------------------------------------ stages
    step("registry: stages")
    out["stage_v1_staging"] = norm.version(
        client.transition_model_version_stage(MODEL, "1", "Staging"))
    out["stage_v1_production"] = norm.version(
        client.transition_model_version_stage(MODEL, "1", "Production"))
    out["stage_v2_production_archiving"] = norm.version(
        client.transition_model_version_stage(MODEL, "2", "production",
                                              archive_existing_versions=True))
    out["v1_after_archiving"] = norm.version(client.get_model_version(MODEL, "1"))
    out["stage_v3_staging"] = norm.version(
        client.transition_model_version_stage(MODEL, 3, "staging"))
    out["stage_other_archived"] = norm.version(
        client.transition_model_version_stage(OTHER, "1", "Archived"))

    # ------------------------------------------------------------------ aliases
    step("registry: aliases")
    client.set_registered_model_alias(MODEL, "champion", "1")
    client.set_registered_model_alias(MODEL, "challenger", "3")
    out["alias_champion_v1"] = norm.version(client.get_model_version_by_alias(MODEL, "champion"))
    client.set_registered_model_alias(MODEL, "champion", 2)  # moves it
    out["alias_champion_moved"] = norm.version(
        client.get_model_version_by_alias(MODEL, "champion"))
    out["alias_latest"] = norm.version(client.get_model_version_by_alias(MODEL, "latest"))
    out["aliases_on_model"] = norm.model(client.get_registered_model(MODEL))["aliases"]
    client.delete_registered_model_alias(MODEL, "challenger")
    client.delete_registered_model_alias(MODEL, "never-set")  # no error, as MLflow
    out["alias_deleted_lookup"] = error_code(
        lambda: client.get_model_version_by_alias(MODEL, "challenger"))
    out["v3_after_alias_deleted"] = norm.version(client.get_model_version(MODEL, "3"))

    # ------------------------------------------------------------------ reads
    step("registry: reads")
    out["get_registered_model"] = norm.model(client.get_registered_model(MODEL))
    out["get_model_versions"] = [norm.version(client.get_model_version(MODEL, v))
                                 for v in ("1", "2", "3")]
    out["latest_all_stages"] = sorted(
        (norm.version(v) for v in client.get_latest_versions(MODEL)),
        key=lambda v: int(v["version"]))
    out["latest_production"] = [norm.version(v)
                                for v in client.get_latest_versions(MODEL, ["Production"])]
    out["latest_none_and_staging"] = sorted(
        (norm.version(v) for v in client.get_latest_versions(MODEL, ["None", "staging"])),
        key=lambda v: int(v["version"]))
    out["download_uri_v1"] = norm.source(client.get_model_version_download_uri(MODEL, "1"))
    out["download_uri_v2"] = norm.source(client.get_model_version_download_uri(MODEL, "2"))

    # The version's files, through the models:/ URI as a user loads them.
    dl = os.path.join(scratch, "downloads")
    got = mlflow.artifacts.download_artifacts("models:/%s/2" % MODEL,
                                              dst_path=os.path.join(dl, "version"))
    checks["download_models_uri_matches_run_files"] = digest(got) == digest(folders["reg-retrain"])
    got = mlflow.artifacts.download_artifacts("models:/%s@champion" % MODEL,
                                              dst_path=os.path.join(dl, "alias"))
    checks["download_by_alias_matches_run_files"] = digest(got) == digest(folders["reg-retrain"])

    # ------------------------------------------------------------------ searches
    step("registry: searches")
    def model_names(models):
        return [m.name for m in models]

    out["search_models_all"] = [norm.model(m) for m in client.search_registered_models()]
    out["search_models_name_eq"] = model_names(
        client.search_registered_models(filter_string="name = '%s'" % MODEL))
    out["search_models_name_like"] = model_names(
        client.search_registered_models(filter_string="name LIKE 'churn%'"))
    out["search_models_name_ilike"] = model_names(
        client.search_registered_models(filter_string="name ILIKE '%MODEL'"))
    out["search_models_tag"] = model_names(
        client.search_registered_models(filter_string="tags.team = 'risk'"))
    out["search_models_tag_and_name"] = model_names(client.search_registered_models(
        filter_string="tags.team LIKE '%%' AND name != '%s'" % MODEL))
    out["search_models_name_desc"] = model_names(
        client.search_registered_models(order_by=["name DESC"]))
    pages, token = [], None
    for _ in range(10):
        page = client.search_registered_models(max_results=2, order_by=["name ASC"],
                                               page_token=token)
        pages.append(model_names(page))
        token = page.token
        if not token:
            break
    out["search_models_paged"] = {"pages": pages, "ended_with_empty_token": not token}

    def versions_of(page):
        return [(v.name, v.version) for v in page]

    # The default order is by last update, which two servers need not break the same way
    # within one millisecond: compared sorted.
    out["search_versions_name"] = sorted(
        (norm.version(v) for v in client.search_model_versions("name = '%s'" % MODEL)),
        key=lambda v: int(v["version"]))
    out["search_versions_run_id"] = sorted(versions_of(
        client.search_model_versions("run_id = '%s'" % retrain)))
    out["search_versions_run_id_in"] = sorted(versions_of(
        client.search_model_versions("run_id IN ('%s', '%s')" % (train, retrain))))
    out["search_versions_tag"] = versions_of(
        client.search_model_versions("tags.candidate = 'true'"))
    out["search_versions_version_number"] = versions_of(client.search_model_versions(
        "name = '%s' AND version_number >= 2" % MODEL, order_by=["version_number ASC"]))
    out["search_versions_ordered"] = versions_of(client.search_model_versions(
        "name LIKE '%'", order_by=["name ASC", "version_number DESC"]))
    pages, token = [], None
    for _ in range(10):
        page = client.search_model_versions("name = '%s'" % MODEL, max_results=2,
                                            order_by=["version_number DESC"], page_token=token)
        pages.append(versions_of(page))
        token = page.token
        if not token:
            break
    out["search_versions_paged"] = {"pages": pages, "ended_with_empty_token": not token}

    # ------------------------------------------------------------------ the wire format
    step("registry: the wire format")
    out["raw_registered_model"] = raw_get("registered-models/get", name=MODEL)
    out["raw_model_version"] = raw_get("model-versions/get", name=MODEL, version="2")
    out["raw_search_versions"] = raw_get("model-versions/search",
                                         filter="name = '%s'" % OTHER)
    client.create_registered_model("empty-model")  # no versions, tags or description
    out["raw_empty_model"] = raw_get("registered-models/get", name="empty-model")
    client.delete_registered_model("empty-model")

    # ------------------------------------------------------------------ updates
    step("registry: updates")
    out["update_registered_model"] = norm.model(
        client.update_registered_model(MODEL, description="Flags card fraud, v2"))
    out["update_model_version"] = norm.version(
        client.update_model_version(MODEL, "1", description="first cut"))
    client.set_registered_model_tag(MODEL, "tier", "2")
    client.set_registered_model_tag(MODEL, "owner", "ml-platform")
    client.delete_registered_model_tag(MODEL, "team")
    client.set_model_version_tag(MODEL, "2", "validated", "yes")
    client.set_model_version_tag(MODEL, "2", "candidate", "false")
    client.delete_model_version_tag(MODEL, "3", "no-such-tag")  # no error, as MLflow
    out["tags_after_updates"] = {
        "model": dict(sorted(client.get_registered_model(MODEL).tags.items())),
        "v2": dict(sorted(client.get_model_version(MODEL, "2").tags.items())),
    }
    client.rename_registered_model("churn-new", "churn-renamed")
    out["rename"] = norm.model(client.get_registered_model("churn-renamed"))
    out["renamed_version"] = norm.version(client.get_model_version("churn-renamed", "1"))
    out["rename_old_name"] = error_code(lambda: client.get_registered_model("churn-new"))

    # ------------------------------------------------------------------ deletions
    step("registry: deletions")
    client.delete_model_version(MODEL, "3")
    out["deleted_version_get"] = error_code(lambda: client.get_model_version(MODEL, "3"))
    out["after_delete_latest"] = sorted(
        (v.version for v in client.get_latest_versions(MODEL)), key=int)
    out["version_after_delete"] = norm.version(client.create_model_version(
        MODEL, "runs:/%s/model" % train, train))  # 4: numbers are never reused
    client.delete_registered_model(SCRATCH_MODEL)
    out["deleted_model_get"] = error_code(lambda: client.get_registered_model(SCRATCH_MODEL))
    out["deleted_model_versions"] = versions_of(
        client.search_model_versions("name = '%s'" % SCRATCH_MODEL))

    # ------------------------------------------------------------------ mistakes
    step("registry: mistakes")
    out["errors"] = {
        "unknown_model": error_code(lambda: client.get_registered_model("no-such-model")),
        "unknown_version": error_code(lambda: client.get_model_version(MODEL, "99")),
        "version_not_a_number": error_code(lambda: client.get_model_version(MODEL, "abc")),
        "duplicate_model": error_code(lambda: client.create_registered_model(MODEL)),
        "version_of_unknown_model": error_code(lambda: client.create_model_version(
            "no-such-model", "runs:/%s/model" % train, train)),
        "source_of_another_run": error_code(lambda: client.create_model_version(
            MODEL, "runs:/%s/model" % train, retrain)),
        "bad_stage": error_code(
            lambda: client.transition_model_version_stage(MODEL, "1", "Shipped")),
        "archive_with_stage_none": error_code(lambda: client.transition_model_version_stage(
            MODEL, "1", "None", archive_existing_versions=True)),
        "stage_of_unknown_version": error_code(
            lambda: client.transition_model_version_stage(MODEL, "99", "Staging")),
        "alias_latest_reserved": error_code(
            lambda: client.set_registered_model_alias(MODEL, "latest", "1")),
        "alias_version_like_reserved": error_code(
            lambda: client.set_registered_model_alias(MODEL, "v1", "1")),
        "alias_bad_characters": error_code(
            lambda: client.set_registered_model_alias(MODEL, "my alias", "1")),
        "alias_to_unknown_version": error_code(
            lambda: client.set_registered_model_alias(MODEL, "ghost", "99")),
        "alias_unknown": error_code(lambda: client.get_model_version_by_alias(MODEL, "nope")),
        "rename_onto_existing": error_code(
            lambda: client.rename_registered_model(OTHER, MODEL)),
        "latest_versions_bad_stage": error_code(
            lambda: client.get_latest_versions(MODEL, ["Shipped"])),
        "search_bad_filter": error_code(
            lambda: client.search_model_versions("no_such_attribute = 'x'")),
        "search_bad_order_by": error_code(
            lambda: client.search_registered_models(order_by=["no_such_key ASC"])),
        "delete_unknown_model": error_code(
            lambda: client.delete_registered_model("no-such-model")),
    }

    # Nothing the mistakes touched changed.
    final = client.get_registered_model(MODEL)
    out["final_registered_model"] = norm.model(final)
    out["final_versions"] = sorted(
        (norm.version(v) for v in client.search_model_versions("name = '%s'" % MODEL)),
        key=lambda v: int(v["version"]))
    out["final_model_names"] = sorted(m.name for m in client.search_registered_models())
    out["logged_runs"] = sorted(run_ids)

    # Self-consistency (both servers must also agree with each other).
    checks["v1_archived_by_v2"] = out["v1_after_archiving"]["current_stage"] == "Archived"
    checks["champion_moved_to_v2"] = out["alias_champion_moved"]["version"] == "2"
    checks["latest_alias_is_newest"] = out["alias_latest"]["version"] == "3"
    checks["version_numbers_not_reused"] = out["version_after_delete"]["version"] == "4"
    checks["aliases_in_model"] = out["aliases_on_model"] == {"challenger": "3", "champion": "2"}
    checks["errors_all_raised"] = all(code != "no error" for code in out["errors"].values())
    checks["model_unchanged_by_mistakes"] = (
        sorted(final.aliases.items()) == [("champion", "2")]
        and [v["version"] for v in out["final_versions"]] == ["1", "2", "4"])
    return out


if __name__ == "__main__":
    sys.exit(client_scenario.main(run_scenario, __doc__, "registry_scenario.py"))

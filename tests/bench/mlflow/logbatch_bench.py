#!/usr/bin/env python3
"""logbatch_bench.py --uri URI --label NAME [--batches N]

Times log-batch into one tracking server two ways and prints BENCH lines:
  - through the real mlflow client (MlflowClient.log_batch, 1,000 metrics per call);
  - with a raw keep-alive HTTP client posting the same prebuilt JSON body, which leaves mostly
    the server's own handling time (the Python client's work is taken out).
"""
import argparse
import http.client
import json
import time
import urllib.parse

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()

    client = MlflowClient(tracking_uri=args.uri)
    experiment_id = client.create_experiment("bench-%s-%d" % (args.label, int(time.time() * 1000)))
    run = client.create_run(experiment_id)
    run_id = run.info.run_id
    now = int(time.time() * 1000)

    # Warm-up: connections, imports, server caches.
    client.log_batch(run_id, metrics=[Metric("warm", 1.0, now, 0)])

    start = time.perf_counter()
    for b in range(args.batches):
        metrics = [Metric("loss", 1.0 / (i + 1), now + i, b * 1000 + i) for i in range(1000)]
        client.log_batch(run_id, metrics=metrics)
    client_seconds = time.perf_counter() - start
    print("BENCH mlflow_client_log_batch_%s %.1f points/s" % (args.label, args.batches * 1000 / client_seconds), flush=True)
    print("BENCH mlflow_client_log_batch_%s_ms %.2f ms/batch" % (args.label, client_seconds * 1000 / args.batches), flush=True)

    url = urllib.parse.urlparse(args.uri)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    bodies = []
    for b in range(args.batches):
        metrics = [{"key": "raw", "value": 1.0 / (i + 1), "timestamp": now + i, "step": b * 1000 + i}
                   for i in range(1000)]
        bodies.append(json.dumps({"run_id": run_id, "metrics": metrics}).encode())
    headers = {"Content-Type": "application/json"}
    start = time.perf_counter()
    for body in bodies:
        connection.request("POST", "/api/2.0/mlflow/runs/log-batch", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit("log-batch failed with HTTP %d" % response.status)
    raw_seconds = time.perf_counter() - start
    print("BENCH server_log_batch_%s_ms %.2f ms/batch" % (args.label, raw_seconds * 1000 / args.batches), flush=True)
    print("BENCH server_log_batch_%s %.1f points/s" % (args.label, args.batches * 1000 / raw_seconds), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs Millrace's exported ONNX models in another runtime and compares them with LibTorch.

    onnx_check.py RUNTIME CASE_DIR...

Each CASE_DIR holds inputs.npy (float32 {n, sample...}), expected.npy (LibTorch's float32
{n, outputs}) and model/ (the export: model.onnx, MLmodel, ...). RUNTIME is one of

    onnxruntime   onnx.checker (full check) then onnxruntime's CPU provider
    opencv        cv2.dnn.readNetFromONNX (Debian's python3-opencv under /usr/bin/python3)
    mlflow        mlflow.pyfunc.load_model(model/).predict(inputs)
    serve         `mlflow models serve -m model/ --env-manager local`, POST /invocations

For each case it prints one JSON line: {"case", "runtime", "count", "max_abs_diff",
"argmax_agree", "error"}; "error" is null when the runtime ran the model. Exit status 0 unless
the script itself is misused; the caller judges the figures.
"""
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import urllib.request

import numpy as np


def run_onnxruntime(case, inputs):
    import onnx
    import onnxruntime

    path = os.path.join(case, "model", "model.onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (input_info,) = session.get_inputs()
    return session.run(None, {input_info.name: inputs})[0]


def run_opencv(case, inputs):
    import cv2

    net = cv2.dnn.readNetFromONNX(os.path.join(case, "model", "model.onnx"))
    blob = inputs
    if blob.ndim == 3:
        # OpenCV's Python binding reads a 3-D array as a multi-channel 2-D image, not as a
        # 3-D blob; the same values as {n, 1, h, w} go through the graph's Reshape unchanged.
        blob = blob.reshape(blob.shape[0], 1, blob.shape[1], blob.shape[2])
    net.setInput(np.ascontiguousarray(blob))
    return net.forward()


def single_output(predictions):
    if isinstance(predictions, dict):
        (values,) = predictions.values()
        return np.asarray(values)
    if hasattr(predictions, "to_numpy"):
        return predictions.to_numpy()
    return np.asarray(predictions)


def run_mlflow(case, inputs):
    import mlflow.pyfunc

    model = mlflow.pyfunc.load_model(os.path.join(case, "model"))
    return single_output(model.predict(inputs))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_serve(case, inputs):
    port = free_port()
    venv_bin = os.path.dirname(sys.executable)
    mlflow = os.path.join(venv_bin, "mlflow")
    # The scoring server runs `uvicorn` from PATH, as in an activated venv.
    environment = dict(os.environ, PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    log_path = os.path.join(case, "serve.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [mlflow, "models", "serve", "-m", os.path.join(case, "model"), "--env-manager",
             "local", "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError("mlflow models serve exited: " + open(log_path).read()[-2000:])
            try:
                with urllib.request.urlopen(base + "/ping", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("mlflow models serve did not answer /ping in 120 s")
            time.sleep(0.5)
        body = json.dumps({"inputs": inputs.tolist()}).encode()
        request = urllib.request.Request(base + "/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            reply = json.loads(answer.read())
        predictions = reply["predictions"] if isinstance(reply, dict) else reply
        return np.asarray(single_output(predictions), dtype=np.float32)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


RUNTIMES = {"onnxruntime": run_onnxruntime, "opencv": run_opencv, "mlflow": run_mlflow,
            "serve": run_serve}


def check(runtime, case):
    report = {"case": os.path.basename(case.rstrip("/")), "runtime": runtime, "count": 0,
              "max_abs_diff": None, "argmax_agree": None, "error": None}
    try:
        inputs = np.load(os.path.join(case, "inputs.npy"))
        expected = np.load(os.path.join(case, "expected.npy"))
        if runtime == "serve":
            # JSON over HTTP: a slice keeps the request small; values go as decimal text.
            inputs, expected = inputs[:200], expected[:200]
        outputs = np.asarray(RUNTIMES[runtime](case, inputs), dtype=np.float32)
        outputs = outputs.reshape(expected.shape)
        report["count"] = int(expected.shape[0])
        report["max_abs_diff"] = float(np.max(np.abs(outputs.astype(np.float64) - expected)))
        report["argmax_agree"] = int(np.sum(outputs.argmax(axis=1) == expected.argmax(axis=1)))
    except Exception:
        report["error"] = traceback.format_exc(limit=4)[-1500:]
    return report


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in RUNTIMES:
        print(__doc__, file=sys.stderr)
        return 2
    for case in sys.argv[2:]:
        print(json.dumps(check(sys.argv[1], case)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

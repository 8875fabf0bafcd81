#!/usr/bin/env python3
"""check_answers.py BODY URL [URL...]

POSTs the request body in BODY to each scoring URL (.../invocations) once and checks that every
server answers 200 with MLflow's tensor answer, {"predictions": {"logits": [[10 floats]]}} (or
{"predictions": [[...]]}), and that the logits agree: the largest absolute difference from the
first URL's must be under --tolerance (1e-4). Prints each answer's class and the difference;
exits 1 when a server fails or the answers disagree. Standard library only.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


def logits_of(url, body):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    if status != 200:
        raise SystemExit(f"check_answers.py: {url} answered {status}: {text[:300]!r}")
    predictions = json.loads(text)["predictions"]
    if isinstance(predictions, dict):
        predictions = predictions["logits"]
    rows = [[float(v) for v in row] for row in predictions]
    if len(rows) != 1 or len(rows[0]) != 10:
        raise SystemExit(f"check_answers.py: {url} answered {len(rows)} rows, not 1 of 10: {text[:300]!r}")
    return rows[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("body")
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    with open(args.body, "rb") as f:
        body = f.read()
    answers = [logits_of(url, body) for url in args.urls]
    reference = answers[0]
    worst = 0.0
    for url, logits in zip(args.urls, answers):
        diff = max(abs(a - b) for a, b in zip(reference, logits))
        worst = max(worst, diff)
        print(f"  {url}: 200, class {logits.index(max(logits))}, max |logit diff| {diff:.2e}")
    if worst >= args.tolerance:
        print(f"check_answers.py: the logits differ by {worst:.2e} (tolerance {args.tolerance:g})",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

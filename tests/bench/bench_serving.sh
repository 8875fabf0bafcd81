#!/usr/bin/env bash
# Serving one Fashion-MNIST image: `millrace serve` vs `mlflow models serve` (MLflow's scoring
# server, the onnx flavor, pip mlflow 3.17.2 with onnxruntime 1.32.0 from
# tests/integration/mlflow/requirements.txt) answering the same exported model on this machine,
# in one run. Requests/s and p50/p99 latency at concurrency 1 (wrk -t1 -c1) and 8 (-t2 -c8)
# from wrk on loopback; prints both sides, the ratios, and Millrace's own p99 from its /metrics
# as BENCH lines. The issue's goals: >= 10x MLflow's requests/s, and p99 < 5 ms.
# Needs MILLRACE_BIN and MILLRACE_BUILD_DIR (set by the bench target), Debian's wrk and
# dataset-fashion-mnist; makes or reuses the venv $MILLRACE_BUILD_DIR/mlflow-venv (as
# bench_mlflow_client.sh does).
#
# The model: a fresh workspace, `millrace train` of the image CNN (1 epoch on 1,000 images:
# inference does not depend on accuracy), registered as version 1 in Production and exported
# with `millrace models export-onnx` to an MLflow model folder (MLmodel with the onnx flavor,
# model.onnx). Millrace serves version 1 from the registry; MLflow serves that folder.
#
# The servers, each in its best configuration for 2 cores:
#   millrace serve --model NAME --port 0 --workers 2
#       two inference workers, each with its own copy of the network (one per core). LibTorch
#       runs the network on whatever libblas.so.3 the system's alternatives point at; the script
#       prints which one the server loaded (Debian's reference BLAS unless an optimised one such
#       as libopenblas0 is installed, and that changes Millrace's figures several times over).
#   mlflow models serve -m OUTDIR --env-manager local -h 127.0.0.1 -p PORT --workers 1
#       one uvicorn process (MLflow's default), with UVICORN_ACCESS_LOG=false, which turns off
#       uvicorn's line per request (mlflow's CLI has no option for it; uvicorn reads it from the
#       environment). Not --workers 2: with more than one worker, uvicorn 0.54 binds the
#       listening socket itself with proto 0, so asyncio never sets TCP_NODELAY on the
#       connections, and every keep-alive answer (headers and body are two writes) waits on the
#       client's delayed ACK, about 40 ms (uvicorn issue #3149, open). Measured here, 2 workers
#       gave 20 requests/s at concurrency 1 and 140 at 8, against 155-170 and 460-580 for one.
#       The pinned venv has uvicorn without uvloop/httptools (what `pip install mlflow` gives),
#       so uvicorn runs on asyncio and h11. onnxruntime keeps MLflow's defaults (the exported
#       MLmodel sets no session options: an intra-op pool as wide as the cores).
# BENCH_SERVING_MILLRACE_WORKERS and BENCH_SERVING_MLFLOW_WORKERS change the worker counts.
#
# The request is one test image (BENCH_SERVING_IMAGE, default 0) as {"inputs": [[[28x28]]]},
# pixels / 255, the same bytes to both (serving/make_request.py). Before timing, each server
# answers it once and the logits must agree within 1e-4 (serving/check_answers.py).
#
# Timing: both servers stay up, and only the one being measured gets requests (the other is
# idle). For each round (BENCH_SERVING_ROUNDS, default 3) and concurrency, each side gets a
# warm-up (BENCH_SERVING_WARMUP s, default 3, discarded) and then a measured run
# (BENCH_SERVING_SECONDS, default 10); the side that goes first alternates between rounds. The
# BENCH figures are the median over the rounds, so that one round disturbed by other work on
# the machine does not decide a p99. After the rounds, GET /ping on each server at concurrency 1
# gives the floor under concurrency 1 (below). The script takes about 4 minutes. wrk is a closed loop
# (a connection sends its next request when the answer arrives), so at concurrency 8 the
# latencies include queueing, and wrk itself runs on the same two cores as the server. wrk
# records latencies to the microsecond (serving/post.lua prints its percentiles), so p99 is not
# limited by its resolution; it rests on the slowest 1% of a few thousand requests, which any
# other work on the machine moves a lot.
# Answers with status >= 400 (wrk's count) and socket errors are counted; any makes the script
# exit 1 after printing its figures. Before each run it prints the load average and how busy
# the cores were over the last second, and after it the server's CPU time per request.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mlflow_dir="$here/../integration/mlflow"
build_dir=${MILLRACE_BUILD_DIR:?}
millrace=${MILLRACE_BIN:?}
venv="$build_dir/mlflow-venv"
rounds=${BENCH_SERVING_ROUNDS:-3}
seconds=${BENCH_SERVING_SECONDS:-10}
warmup=${BENCH_SERVING_WARMUP:-3}
image=${BENCH_SERVING_IMAGE:-0}
millrace_workers=${BENCH_SERVING_MILLRACE_WORKERS:-2}
mlflow_workers=${BENCH_SERVING_MLFLOW_WORKERS:-1}
model=fmnist
started_at=$SECONDS

die() {
    echo "bench_serving.sh: $*" >&2
    exit 1
}
command -v wrk >/dev/null || die "wrk is missing: install Debian's wrk (packaging/dev.sh bench does)"
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] ||
    die "Fashion-MNIST is missing: install Debian's dataset-fashion-mnist"
[ -x "$millrace" ] || die "$millrace is missing"
"$mlflow_dir/make_venv.sh" "$venv"
python="$venv/bin/python"

work=$(mktemp -d)
millrace_pid=""
mlflow_pid=""
# shellcheck source=childprocess.sh
source "$here/childprocess.sh"
# Both servers run in their own process group (setsid), under `timeout` so that a server left
# behind by a killed script still ends by itself after half an hour.
stop_group() {
    local pgid=$1
    [ -n "$pgid" ] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
}
cleanup() {
    [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
    stop_group "$millrace_pid"
    stop_group "$mlflow_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

load() { cut -d' ' -f1 /proc/loadavg; }
# Share of all cores busy over the next second, from /proc/stat.
cpu_busy() {
    local a b
    a=$(head -n 1 /proc/stat)
    sleep 1
    b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y); total = 0
        for (i = 2; i <= n; i++) total += y[i] - x[i]
        idle = (y[5] - x[5]) + (y[6] - x[6])
        printf "%.0f", total ? 100 * (total - idle) / total : 0 }'
}
# CPU seconds used so far by every process in the process group $1.
group_cpu() {
    local ticks=0 pid
    for pid in $(ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'); do
        # utime and stime: fields 14 and 15, counted after the ")" that ends the command name.
        ticks=$((ticks + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0)))
    done
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz}'
}
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The model: trained, registered, promoted and exported in a workspace of its own.
ws="$work/workspace"
cat >"$work/train.json" <<EOF
{"experiment": "serving-bench", "run_name": "fashion-cnn",
 "data": {"kind": "fashion-mnist", "train_limit": 1000},
 "architecture": "image-cnn",
 "training": {"epochs": 1, "batch_size": 64, "threads": 2, "device": "cpu"},
 "seed": 42}
EOF
run_child "$millrace" --workspace "$ws" train --config "$work/train.json" >"$work/train.log" 2>&1 ||
    die "millrace train failed: $(tail -n 5 "$work/train.log")"
run_id=$(sed -n 's/^finished: run \([0-9a-f]*\),.*/\1/p' "$work/train.log")
[ -n "$run_id" ] || die "no run id in the training output: $(tail -n 5 "$work/train.log")"
"$millrace" --workspace "$ws" models register "$model" "$run_id" >/dev/null
"$millrace" --workspace "$ws" models promote "$model" 1 Production >/dev/null
"$millrace" --workspace "$ws" models export-onnx "$model" 1 "$work/onnx" >"$work/export.log"
"$python" "$here/serving/make_request.py" --index "$image" "$work/body.json" | sed 's/^/  request: /'
echo "  model: run $run_id ($(sed -n 's/^finished: run [0-9a-f]*, //p' "$work/train.log")); request body $(wc -c <"$work/body.json") bytes"

# Millrace. The serving token lives in the user's keychain, not in the workspace: without a
# D-Bus session there is no keychain, so no token, and neither side authenticates requests.
setsid timeout --kill-after=10 1800 env -u DBUS_SESSION_BUS_ADDRESS \
    "$millrace" --workspace "$ws" serve --model "$model" --stage Production --port 0 \
    --workers "$millrace_workers" </dev/null >"$work/millrace.log" 2>&1 &
millrace_pid=$!
millrace_url=""
for _ in $(seq 1 300); do
    millrace_url=$(sed -n 's|^serving .* on \(http://[0-9.:]*/invocations\).*|\1|p' "$work/millrace.log" | head -n 1)
    [ -n "$millrace_url" ] && grep -q '^now answering with version 1' "$work/millrace.log" && break
    kill -0 "$millrace_pid" 2>/dev/null || die "millrace serve exited: $(tail -n 5 "$work/millrace.log")"
    sleep 0.1
done
grep -q '^now answering with version 1' "$work/millrace.log" ||
    die "millrace serve did not start: $(tail -n 5 "$work/millrace.log")"
# The BLAS the server's LibTorch runs on (Debian's reference BLAS is .../blas/libblas.so.3*).
server_pid=$(ps -e -o pid=,pgid=,comm= | awk -v g="$millrace_pid" '$2 == g && $3 == "millrace" {print $1}')
blas=$(grep -o '/[^ ]*/libblas\.so[.0-9]*$' "/proc/$server_pid/maps" 2>/dev/null | head -n 1) || true
case $blas in
"") blas="not found in /proc/$server_pid/maps" ;;
*/blas/libblas.so*) blas="$blas (the reference BLAS, libblas3)" ;;
esac
echo "  millrace serve's BLAS: $blas"

# MLflow. Its CLI runs `uvicorn` from PATH: the venv's bin first.
mlflow_port=$(free_port)
mlflow_url="http://127.0.0.1:$mlflow_port/invocations"
PATH="$venv/bin:$PATH" MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true UVICORN_ACCESS_LOG=false \
    setsid timeout --kill-after=10 1800 "$venv/bin/mlflow" models serve -m "$work/onnx" \
    --env-manager local -h 127.0.0.1 -p "$mlflow_port" --workers "$mlflow_workers" \
    </dev/null >"$work/mlflow.log" 2>&1 &
mlflow_pid=$!
for _ in $(seq 1 1200); do
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$mlflow_port/ping" && break
    kill -0 "$mlflow_pid" 2>/dev/null || die "mlflow models serve exited: $(tail -n 20 "$work/mlflow.log")"
    sleep 0.1
done
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$mlflow_port/ping" ||
    die "mlflow models serve did not answer /ping: $(tail -n 20 "$work/mlflow.log")"

"$python" "$here/serving/check_answers.py" "$work/body.json" "$millrace_url" "$mlflow_url" ||
    die "the two servers do not give the same answer"

# check_server SIDE WHEN: dies with the reason when SIDE's server no longer answers /ping (its
# exit status, e.g. 139 for SIGSEGV, and the end of its log). wrk ends every run by closing its
# connections with requests still in flight, which a server must survive.
check_server() {
    local side=$1 when=$2 url pid log status=0
    if [ "$side" = millrace ]; then url=$millrace_url pid=$millrace_pid log="$work/millrace.log"
    else url=$mlflow_url pid=$mlflow_pid log="$work/mlflow.log"; fi
    curl -sf -o /dev/null --max-time 10 "${url%/invocations}/ping" && return 0
    case $(ps -o stat= -p "$pid" 2>/dev/null) in
    "" | Z*)
        wait "$pid" || status=$?
        [ "$side" = millrace ] && millrace_pid="" || mlflow_pid=""
        die "$side's server exited with status $status$([ "$status" -le 128 ] || echo " (signal $((status - 128)))") $when; its log ends: $(tail -n 5 "$log")"
        ;;
    esac
    die "$side's server stopped answering /ping $when; its log ends: $(tail -n 5 "$log")"
}

# measure SIDE CONCURRENCY ROUND: a warm-up, then the measured run; appends
# "SIDE cCONCURRENCY rps P50_MS P99_MS NON2XX SOCKET_ERRORS" to $work/runs.
measure() {
    local side=$1 concurrency=$2 round=$3 url pgid threads
    if [ "$side" = millrace ]; then url=$millrace_url pgid=$millrace_pid; else url=$mlflow_url pgid=$mlflow_pid; fi
    threads=$((concurrency < 2 ? 1 : 2))
    local wrk_args=(-t"$threads" -c"$concurrency" --latency --timeout 10s -s "$here/serving/post.lua" "$url")
    export BENCH_SERVING_BODY="$work/body.json"
    local busy
    busy=$(cpu_busy)
    local when="in round $round at concurrency $concurrency"
    run_child wrk -d"${warmup}s" "${wrk_args[@]}" >"$work/warmup.out" 2>&1 ||
        { check_server "$side" "at the start of the warm-up $when"; die "wrk failed: $(tail -n 5 "$work/warmup.out")"; }
    check_server "$side" "during the warm-up $when"
    local out="$work/$side-c$concurrency-$round.out"
    local scrape="$work/metrics-c$concurrency-$round"
    [ "$side" != millrace ] || curl -sf "${millrace_url%/invocations}/metrics" >"$scrape-before"
    local cpu_before cpu_after
    cpu_before=$(group_cpu "$pgid")
    run_child wrk -d"${seconds}s" "${wrk_args[@]}" >"$out" 2>&1 ||
        { check_server "$side" "during the run $when"; die "wrk failed: $(tail -n 5 "$out")"; }
    check_server "$side" "during the run $when"
    cpu_after=$(group_cpu "$pgid")
    if [ "$side" = millrace ]; then
        curl -sf "${millrace_url%/invocations}/metrics" >"$scrape-after"
    fi
    local line
    line=$(grep '^WRK ' "$out") || die "no summary from wrk: $(tail -n 5 "$out")"
    # $1 WRK, then name value pairs: $3 requests, $5 duration_us, $7 non2xx, $9 $11 $13 $15 socket
    # errors, $17 p50_us, $19 p90_us, $21 p99_us, $23 p999_us, $25 max_us.
    echo "$line" | awk -v side="$side" -v c="$concurrency" -v round="$round" -v load="$(load)" \
        -v busy="$busy" -v cpu="$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN {print b - a}')" \
        -v metrics="$([ "$side" != millrace ] || "$python" "$here/serving/metrics_quantiles.py" "$scrape-before" "$scrape-after")" '{
        rps = $3 / ($5 / 1e6); socket = $9 + $11 + $13 + $15
        printf "  round %d %s c%d: %.1f requests/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms, " \
               "%d answers >= 400, %d socket errors; server CPU %.2f cores, %.0f us/request; " \
               "load before %s, cores busy before %s%%\n", round, side, c, rps, $17 / 1000, \
               $21 / 1000, $25 / 1000, $7, socket, cpu / ($5 / 1e6), cpu * 1e6 / $3, load, busy
        if (metrics != "") printf "    millrace /metrics over the run: %s\n", metrics
        printf "%s c%d %.2f %.3f %.3f %d %d\n", side, c, rps, $17 / 1000, $21 / 1000, $7, socket >> "/dev/fd/3"
    }' 3>>"$work/runs"
}

echo "  millrace: --workers $millrace_workers at $millrace_url; mlflow: uvicorn --workers $mlflow_workers at $mlflow_url"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order="millrace mlflow"; else order="mlflow millrace"; fi
    for concurrency in 1 8; do
        for side in $order; do
            measure "$side" "$concurrency" "$round"
        done
    done
done

# The floor under concurrency 1: GET /ping, the cheapest answer each server's HTTP stack gives,
# one request at a time (wrk -t1 -c1, once, after the rounds). One request in flight means
# requests/s is 1 / (round trip), and no /invocations can be quicker than /ping on the same
# stack, so /ping's rate caps what concurrency 1 can reach. The BENCH lines give both sides',
# and how far /invocations stays above it: the time the request itself adds (reading the
# body, the network, the answer).
ping_rps() {
    local url=$1 out="$work/ping-$2.out"
    run_child wrk -t1 -c1 -d"${warmup}s" "$url" >/dev/null 2>&1 || die "wrk failed on $url"
    run_child wrk -t1 -c1 -d"${seconds}s" "$url" >"$out" 2>&1 || die "wrk failed on $url: $(tail -n 5 "$out")"
    awk '/^Requests\/sec:/ {print $2}' "$out"
}
millrace_ping=$(ping_rps "${millrace_url%/invocations}/ping" millrace)
mlflow_ping=$(ping_rps "${mlflow_url%/invocations}/ping" mlflow)

# median SIDE CONCURRENCY COLUMN (3 rps, 4 p50, 5 p99) over the rounds; total for 6 and 7.
median() {
    awk -v side="$1" -v c="c$2" -v col="$3" '$1 == side && $2 == c {print $col}' "$work/runs" | sort -g |
        awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
total() { awk -v side="$1" -v c="c$2" -v col="$3" '$1 == side && $2 == c {s += $col} END {print s + 0}' "$work/runs"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN {printf f, v}'; }
failed=0
for concurrency in 1 8; do
    for side in millrace mlflow; do
        echo "BENCH serving_fmnist_${side}_c${concurrency}_requests_per_s $(fmt "$(median "$side" "$concurrency" 3)" %.1f) requests/s"
        echo "BENCH serving_fmnist_${side}_c${concurrency}_p50 $(fmt "$(median "$side" "$concurrency" 4)" %.3f) ms"
        echo "BENCH serving_fmnist_${side}_c${concurrency}_p99 $(fmt "$(median "$side" "$concurrency" 5)" %.3f) ms"
        errors=$(($(total "$side" "$concurrency" 6) + $(total "$side" "$concurrency" 7)))
        echo "BENCH serving_fmnist_${side}_c${concurrency}_errors $errors requests"
        [ "$errors" -eq 0 ] || failed=1
    done
    # Millrace's own estimate, from its histogram over the measured runs (all rounds together).
    scrapes=()
    for round in $(seq 1 "$rounds"); do scrapes+=("$work/metrics-c$concurrency-$round-before" "$work/metrics-c$concurrency-$round-after"); done
    echo "BENCH serving_fmnist_millrace_c${concurrency}_metrics_p99 $("$python" "$here/serving/metrics_quantiles.py" "${scrapes[@]}" | awk '{print $8}') ms"
    ratio_rps=$(awk -v a="$(median millrace "$concurrency" 3)" -v b="$(median mlflow "$concurrency" 3)" 'BEGIN {printf "%.1f", a / b}')
    ratio_p99=$(awk -v a="$(median mlflow "$concurrency" 5)" -v b="$(median millrace "$concurrency" 5)" 'BEGIN {printf "%.1f", a / b}')
    echo "BENCH serving_millrace_vs_mlflow_c${concurrency}_requests_per_s $ratio_rps x"
    echo "BENCH serving_mlflow_vs_millrace_c${concurrency}_p99 $ratio_p99 x"
    p99=$(median millrace "$concurrency" 5)
    p99_goal="p99 $(fmt "$p99" %.3f) ms ($(awk -v p="$p99" 'BEGIN {print (p < 5 ? "met" : "missed")}') < 5 ms)"
    if [ "$concurrency" -gt 1 ]; then
        echo "  goals at concurrency $concurrency, where the server's cores are busy: throughput ${ratio_rps}x MLflow's ($(awk -v r="$ratio_rps" 'BEGIN {print (r >= 10 ? "met" : "missed")}') >= 10x), $p99_goal"
        continue
    fi
    echo "BENCH serving_millrace_ping_c1_requests_per_s $(fmt "$millrace_ping" %.1f) requests/s"
    echo "BENCH serving_mlflow_ping_c1_requests_per_s $(fmt "$mlflow_ping" %.1f) requests/s"
    awk -v inv="$(median millrace 1 3)" -v ping="$millrace_ping" -v theirs="$(median mlflow 1 3)" \
        -v p99_goal="$p99_goal" 'BEGIN {
        printf "BENCH serving_millrace_c1_request_over_ping %.3f ms\n", 1000 / inv - 1000 / ping
        printf "BENCH serving_millrace_ping_vs_mlflow_c1_requests_per_s %.1f x\n", ping / theirs
        printf "  at concurrency 1 one request is in flight, so requests/s is 1 / latency: %.1fx " \
               "MLflow\047s, %s; Millrace\047s /ping alone, which no request can beat, reaches " \
               "%.1fx MLflow\047s requests/s\n", inv / theirs, p99_goal, ping / theirs
    }'
done
echo "  load after: $(load); took $((SECONDS - started_at)) s"
[ "$failed" -eq 0 ] || die "some requests failed (the *_errors lines above)"

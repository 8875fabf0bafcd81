#!/usr/bin/env bash
# Draining a topic into a batch on a real Apache Kafka 3.9 broker (tests/kafka), against two
# peers reading the same topic: `kcat -C -e` consuming it raw (the yardstick of librdkafka's own
# speed), and the seed's kafka-python consumer (streams/kafka_python_drain.py: decodes the JSON,
# builds NumPy arrays, pickles them). The topic holds BENCH_STREAMS_MESSAGES (100000)
# Fashion-MNIST records published by the shipped stream simulator (bench_drain --publish).
#
# The three alternate, one process per run, for BENCH_STREAMS_ROUNDS (2) rounds, so load from
# elsewhere falls on all of them; the drain and kafka-python join a fresh consumer group each
# time, so each reads every message. Prints every run with the load average then, the median
# of each side, and the drain's ratio to each peer.
#
# Times: the drain from drainToBatch's call (joining the group) to the batch synced and the
# offsets committed, with the reading alone (first message to last) beside it; kcat the wall
# clock of the process; kafka-python from creating the consumer to the pickle written and the
# offsets committed. Needs MILLRACE_BUILD_DIR (set by the bench target), kcat, and
# /usr/bin/python3 with python3-kafka, python3-lz4 and python3-numpy (BENCH_PYTHON to change).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${MILLRACE_BUILD_DIR:?}
bench_drain="$build_dir/bench/bench_drain"
broker_script="$here/../kafka/kafka_broker.sh"
rounds=${BENCH_STREAMS_ROUNDS:-2}
messages=${BENCH_STREAMS_MESSAGES:-100000}
# Six partitions: a modest production topic (a group of up to six can share it), and each fetch
# brings up to 1 MB from every partition, so no client is held to one small fetch per round trip
# of the broker; all three read the same partitions, so the choice favours none of them.
partitions=${BENCH_STREAMS_PARTITIONS:-6}
# python3-kafka installs into the system interpreter's dist-packages, which a python3 from a
# virtualenv or pyenv earlier on PATH does not see.
python=${BENCH_PYTHON:-/usr/bin/python3}
topic=fashion-mnist-bench

die() {
    echo "bench_streams.sh: $*" >&2
    exit 1
}
[ -x "$bench_drain" ] || die "$bench_drain is missing; build the bench_drain target"
command -v kcat >/dev/null || die "kcat not found: install Debian's kcat"
# The simulator publishes lz4 (MessageProducer's default), which kafka-python reads only with lz4.
"$python" -c 'import kafka, numpy; from kafka.codec import has_lz4; assert has_lz4()' 2>/dev/null ||
    die "$python cannot import kafka, numpy and lz4: install python3-kafka python3-lz4 python3-numpy"

work=$(mktemp -d)
cleanup() {
    "$broker_script" stop "$work/broker" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
# Should this script die without its trap (SIGKILL), the broker stops when it notices.
export MILLRACE_KAFKA_OWNER_PID=$$

load() { cut -d' ' -f1 /proc/loadavg; }

echo "  load before: $(load)"
"$broker_script" start "$work/broker" >"$work/broker.out" || die "the broker did not start"
bootstrap=$(cat "$work/broker/bootstrap")
"$broker_script" create-topic "$work/broker" "$topic" "$partitions"
"$bench_drain" --bootstrap "$bootstrap" --topic "$topic" --publish "$messages" \
    >"$work/publish.out" 2>"$work/publish.log" ||
    die "publishing failed: $(tail -n 5 "$work/publish.log")"
read -r _ published seconds <"$work/publish.out"
echo "  published $published messages to $partitions partitions in $seconds s"
# Every message arrived, counted by kcat (JSON records hold no newline). Read in a consumer
# group, this also warms the broker (its JIT, the page cache) and has it create its offsets topic,
# which the first group to commit would otherwise wait a second for inside its timed run.
counted=$(kcat -b "$bootstrap" -G bench-warm-up -X auto.offset.reset=earliest -e -q "$topic" |
    wc -l)
[ "$counted" -eq "$messages" ] || die "kcat counts $counted messages on $topic, not $messages"

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", n / s}'; }

run_drain() {
    local count seconds reading
    "$bench_drain" --bootstrap "$bootstrap" --topic "$topic" --drain "bench-drain-$1" \
        --expect "$messages" >"$work/drain.out" 2>"$work/drain.log" ||
        die "the drain failed: $(tail -n 5 "$work/drain.log")"
    read -r _ count seconds reading <"$work/drain.out"
    echo "drain_real_broker $(rate "$count" "$seconds") $seconds $reading"
}
run_kcat() {
    local started=$EPOCHREALTIME
    kcat -C -e -q -b "$bootstrap" -t "$topic" -o beginning >/dev/null
    local seconds
    seconds=$(seconds_since "$started")
    echo "kcat_real_broker $(rate "$messages" "$seconds") $seconds"
}
run_kafka_python() {
    local count seconds
    "$python" "$here/streams/kafka_python_drain.py" "$bootstrap" "$topic" "bench-python-$1" \
        "$messages" "$work/out.pkl" >"$work/python.out" || die "kafka_python_drain.py failed"
    rm -f "$work/out.pkl"
    read -r count seconds <"$work/python.out"
    [ "$count" -eq "$messages" ] || die "kafka-python read $count messages, not $messages"
    echo "kafka_python_real_broker $(rate "$count" "$seconds") $seconds"
}

for round in $(seq 1 "$rounds"); do
    # Alternate who goes first, so no side always runs on a cooler or hotter machine.
    if [ $((round % 2)) -eq 1 ]; then
        order="drain kcat kafka_python"
    else
        order="kafka_python kcat drain"
    fi
    for side in $order; do
        # The load average as the run starts: the other two sides' runs raise it too (the
        # kafka-python run keeps a core busy), so only a value well above 1 says the machine
        # was busy with something else.
        load_then=$(load)
        "run_$side" "$round" >"$work/run.out"
        read -r name value seconds reading <"$work/run.out"
        echo "$name $value" >>"$work/runs"
        extra=""
        if [ -n "$reading" ]; then
            extra=", reading alone $reading messages/s"
            echo "drain_real_broker_reading $reading" >>"$work/runs"
        fi
        echo "  round $round: $name $value messages/s ($seconds s$extra; load $load_then)"
    done
done

median() {
    awk -v name="$1" '$1 == name {print $2}' "$work/runs" | sort -g |
        awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
drain=$(median drain_real_broker)
reading=$(median drain_real_broker_reading)
kcat_rate=$(median kcat_real_broker)
python_rate=$(median kafka_python_real_broker)
echo "BENCH drain_real_broker $drain messages/s"
echo "BENCH drain_real_broker_reading $reading messages/s"
echo "BENCH kcat_real_broker $kcat_rate messages/s"
echo "BENCH kafka_python_real_broker $python_rate messages/s"
echo "BENCH drain_vs_kcat $(awk -v a="$drain" -v b="$kcat_rate" 'BEGIN {printf "%.2f", a / b}') ratio"
echo "BENCH drain_vs_kafka_python $(awk -v a="$drain" -v b="$python_rate" 'BEGIN {printf "%.2f", a / b}') ratio"
echo "  load after: $(load)"

#!/usr/bin/env bash
# Training images/s of the image CNN in Millrace (bench_training, through ml::train()) vs the same
# network and loop in PyTorch (training/cnn_torch.py on Debian's python3-torch, the same libtorch)
# on this machine, for 1 and 2 threads. The two alternate, one process per run, so load from
# elsewhere falls on both; prints every run, the median of each side, and Millrace / PyTorch.
# Needs MILLRACE_BUILD_DIR (set by the bench target). BENCH_TRAINING_ROUNDS (default 2) and
# BENCH_TRAINING_IMAGES (default 12000) change the amount of work; BENCH_PYTHON the interpreter.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${MILLRACE_BUILD_DIR:?}
millrace="$build_dir/bench/training/bench_training"
rounds=${BENCH_TRAINING_ROUNDS:-2}
images=${BENCH_TRAINING_IMAGES:-12000}
# python3-torch installs into the system interpreter's dist-packages, which a python3 from a
# virtualenv or pyenv earlier on PATH does not see.
python=${BENCH_PYTHON:-/usr/bin/python3}

if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "bench_training.sh: $python cannot import torch; install python3-torch (packaging/dev.sh bench does)" >&2
    exit 1
fi
[ -x "$millrace" ] || { echo "bench_training.sh: $millrace is missing; build the bench_training target" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_millrace() { "$millrace" --images "$images" --threads "$1"; }
# Both sides keep OpenBLAS, when it is the BLAS installed, to one thread per call: Millrace does
# it itself (keepBlasToOneThread, as the app does), PyTorch through OpenBLAS's variable. Then
# the threads are LibTorch's intra-op ones alone on both sides.
run_pytorch() { OPENBLAS_NUM_THREADS=1 "$python" "$here/training/cnn_torch.py" --images "$images" --threads "$1"; }

for round in $(seq 1 "$rounds"); do
    for threads in 1 2; do
        # Alternate who goes first, so neither side always runs on a cooler or hotter machine.
        if [ $((round % 2)) -eq 1 ]; then order="millrace pytorch"; else order="pytorch millrace"; fi
        for side in $order; do
            line=$("run_$side" "$threads")
            echo "  round $round: $line"
            echo "$line" >>"$work/runs"
        done
    done
done

median() {
    awk -v name="$1" '$2 == name {print $3}' "$work/runs" | sort -g |
        awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
for threads in 1 2; do
    suffix=$([ "$threads" -eq 1 ] && echo thread || echo threads)
    ours=$(median "training_cnn_fashion_mnist_millrace_${threads}_$suffix")
    theirs=$(median "training_cnn_fashion_mnist_pytorch_${threads}_$suffix")
    echo "BENCH training_cnn_fashion_mnist_millrace_${threads}_$suffix $ours images/s"
    echo "BENCH training_cnn_fashion_mnist_pytorch_${threads}_$suffix $theirs images/s"
    echo "BENCH training_cnn_millrace_vs_pytorch_$threads $(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}') x"
done

#!/usr/bin/env bash
# Millrace's one entry point for a Debian 12 machine:
#   packaging/dev.sh run    install what is missing, build, launch the app on its defaults
#   packaging/dev.sh test   install what is missing, build, run the whole test suite
#   packaging/dev.sh deps   only install what is missing (quick when nothing is)
#   packaging/dev.sh bench  build and run the benchmarks (BENCH lines)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: to build, to run, and to test. Keep DESIGN.md's list in step.
build_packages=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev
    qt6-httpserver-dev qt6-websockets-dev qtkeychain-qt6-dev
    libtorch-dev librdkafka-dev libsqlite3-dev libsqlitecpp-dev zlib1g-dev nlohmann-json3-dev libyaml-cpp-dev
    libonnx-dev libprotobuf-dev protobuf-compiler libxkbcommon-dev libgl-dev
)
# libopenblas0-pthread: the optimised BLAS LibTorch's matrix products run on (through the
# libblas.so.3 alternative) instead of Debian's reference BLAS, several times slower. Millrace
# keeps it to one thread per call (core/ml/torchruntime.h says why, and why not the serial build).
run_packages=(libsecret-1-0 qt6-qpa-plugins qt6-gtk-platformtheme libqt6svg6 fonts-dejavu-core dataset-fashion-mnist
    libopenblas0-pthread)
# dpkg-dev (dpkg-shlibdeps) and file are what CPack's DEB generator runs.
# python3-opencv: tst_onnxequivalence runs exported ONNX graphs in OpenCV's dnn module.
# openjdk-17-jre-headless, maven, kcat, python3-kafka, openssl: the real Kafka broker of the
# streams tests (tests/kafka: jars from Maven Central, kcat and kafka-python as its clients,
# openssl for its TLS certificates). gnome-keyring, dbus-daemon (dbus-run-session): the private
# keychain the secret tests run in.
test_packages=(xvfb xauth dpkg-dev file desktop-file-utils appstream curl python3-venv
    python3-opencv openjdk-17-jre-headless maven kcat python3-kafka openssl
    gnome-keyring dbus-daemon)
# Only the benchmarks need these: PyTorch for bench_training.sh's reference run (large, so not
# in the lists above); lz4 for kafka-python in bench_streams.sh, which reads the lz4 batches
# Millrace's producer writes; postgresql for bench_scheduler_airflow.sh, whose Airflow peer runs
# LocalExecutor on a throwaway PostgreSQL cluster (initdb, pg_ctl) as Airflow recommends; wrk,
# the HTTP load generator of bench_serving.sh (millrace serve vs mlflow models serve).
bench_packages=(python3-torch python3-lz4 postgresql wrk)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
    local missing=()
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    echo "Installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
    cmake --preset default >/dev/null
    cmake --build --preset default
}

command=${1:-}
case "$command" in
deps)
    install_packages "${build_packages[@]}" "${run_packages[@]}" "${test_packages[@]}"
    ;;
run)
    install_packages "${build_packages[@]}" "${run_packages[@]}"
    build
    shift
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        echo "No display found (DISPLAY is unset): starting under xvfb-run would show nothing." >&2
        echo "Run from a desktop session, or use: build/bin/millrace --headless" >&2
        exit 1
    fi
    exec build/bin/millrace "$@"
    ;;
test)
    install_packages "${build_packages[@]}" "${run_packages[@]}" "${test_packages[@]}"
    build
    ctest --preset default
    ;;
bench)
    # The mlflow bench makes the tests' venv (python3-venv) and runs a real mlflow server.
    install_packages "${build_packages[@]}" "${run_packages[@]}" "${test_packages[@]}" \
        "${bench_packages[@]}"
    build
    cmake --build --preset default --target bench
    ;;
*)
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac

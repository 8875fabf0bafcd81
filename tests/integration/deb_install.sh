#!/usr/bin/env bash
# Builds the .deb with CPack, installs it with apt-get (which resolves its Depends), checks the
# installed files and that the installed millrace runs (--version, --headless with SIGTERM),
# then removes the package again. Needs root; exits 77 (skipped) otherwise.
set -euo pipefail
build_dir=${1:?usage: deb_install.sh BUILD_DIR}
if [ "$(id -u)" -ne 0 ]; then
    echo "deb_install: skipped, needs root to install a package"
    exit 77
fi
if dpkg-query -W -f='${Status}' millrace 2>/dev/null | grep -q "install ok installed"; then
    echo "deb_install: skipped, a millrace package is installed on this machine and stays as it is"
    exit 77
fi
cd "$build_dir"
rm -f millrace_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls millrace_*.deb)
echo "built $deb"
dpkg-deb -f "$deb" Depends | grep -q libqt6widgets6 || { echo "Depends lacks Qt"; exit 1; }
dpkg-deb -f "$deb" Recommends | grep -q dataset-fashion-mnist || { echo "Recommends lacks the dataset"; exit 1; }

cleanup() { DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq millrace >/dev/null 2>&1 || true; }
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >apt.log 2>&1 || { cat apt.log; exit 1; }

for f in /usr/bin/millrace \
         /usr/share/applications/org.millrace.Millrace.desktop \
         /usr/share/metainfo/org.millrace.Millrace.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/org.millrace.Millrace.svg \
         /usr/share/icons/hicolor/48x48/apps/org.millrace.Millrace.png \
         /usr/share/icons/hicolor/256x256/apps/org.millrace.Millrace.png; do
    [ -e "$f" ] || { echo "missing after install: $f"; exit 1; }
done
ls /usr/lib/millrace/plugins/*.so >/dev/null || { echo "no plugins installed"; exit 1; }
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/org.millrace.Millrace.desktop
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net --pedantic /usr/share/metainfo/org.millrace.Millrace.metainfo.xml || \
    appstreamcli validate --no-net /usr/share/metainfo/org.millrace.Millrace.metainfo.xml
fi

version=$(env -u DISPLAY /usr/bin/millrace --version)
echo "installed: $version"
case "$version" in millrace\ *) ;; *) echo "unexpected --version output"; exit 1 ;; esac

workspace=$(mktemp -d)
log=$(mktemp)
env -u DISPLAY /usr/bin/millrace --headless --tracking-port 0 --workspace "$workspace" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    grep -q "running headless" "$log" && break
    sleep 0.1
done
grep -q "running headless" "$log" || { cat "$log"; exit 1; }
grep -q "loaded message-codec json-codec" "$log" || { echo "installed plugins not loaded"; cat "$log"; exit 1; }
kill -TERM "$pid"
for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "installed millrace did not stop within 2 s"; kill -9 "$pid"; exit 1; fi
wait "$pid" && status=0 || status=$?
[ "$status" -eq 0 ] || { echo "installed millrace exited $status"; cat "$log"; exit 1; }
[ -f "$workspace/millrace.db" ] || { echo "no workspace database"; exit 1; }
rm -rf "$workspace" "$log"
echo "deb_install: ok"

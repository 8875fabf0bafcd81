#!/usr/bin/env bash
# Runs a command against a real system keychain that is private to this run:
#   tests/testsupport/with_keyring.sh <command> [args...]
# It starts a D-Bus session bus of its own (dbus-run-session) and on it gnome-keyring-daemon's
# Secret Service, with a throwaway login keyring, created and unlocked. HOME and the
# XDG folders point into a temporary folder, so the developer's own keyrings are never read or
# written; the folder is removed afterwards. The bus and the daemon end with the command.
# Needs the Debian packages dbus-daemon (dbus-run-session), gnome-keyring and libsecret-1-0.
set -euo pipefail

if [ "${1:-}" != --inside-private-session ]; then
    for tool in dbus-run-session gnome-keyring-daemon; do
        if ! command -v "$tool" >/dev/null; then
            echo "with_keyring.sh: $tool not found (install dbus-daemon and gnome-keyring)" >&2
            exit 127
        fi
    done
    private=$(mktemp -d "${TMPDIR:-/tmp}/millrace-keyring.XXXXXX")
    trap 'rm -rf "$private"' EXIT
    mkdir -m 700 "$private/home" "$private/data" "$private/config" "$private/cache" "$private/runtime"
    status=0
    HOME="$private/home" XDG_DATA_HOME="$private/data" XDG_CONFIG_HOME="$private/config" \
        XDG_CACHE_HOME="$private/cache" XDG_RUNTIME_DIR="$private/runtime" \
        dbus-run-session -- "$BASH" "$0" --inside-private-session "$@" || status=$?
    exit "$status"
fi

# Inside the private session bus. No desktop: QtKeychain then asks the Secret Service first.
shift
unset XDG_CURRENT_DESKTOP DESKTOP_SESSION GNOME_DESKTOP_SESSION_ID KDE_FULL_SESSION \
    KDE_SESSION_VERSION GNOME_KEYRING_CONTROL
# --unlock reads the login keyring's password from stdin: here a lone newline (with nothing at
# all on stdin it unlocks nothing). With no keyring yet it creates the login keyring with that
# password, unlocked, as the default collection, so nothing ever asks for a password.
printf '\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"

# Sourced by the bench scripts that run long steps: run_child runs a command in the background
# and waits for it, so a signal to the script is handled at once rather than when the step
# ends; $child is its pid meanwhile, for the script's cleanup to stop.
child=""
run_child() {
    "$@" &
    child=$!
    local status=0
    wait "$child" || status=$?
    child=""
    return "$status"
}

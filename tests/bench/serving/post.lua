-- wrk script: POST the request body in $BENCH_SERVING_BODY (a file) to the URL's path, as
-- application/json, and count the answers that were not 2xx in done()'s summary.
local path = os.getenv("BENCH_SERVING_BODY")
local file = assert(io.open(path, "rb"), "cannot read " .. tostring(path))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    -- One machine-readable line after wrk's own report (latencies in microseconds).
    io.write(string.format(
        "WRK requests %d duration_us %d non2xx %d errors_connect %d errors_read %d " ..
        "errors_write %d errors_timeout %d p50_us %d p90_us %d p99_us %d p999_us %d " ..
        "max_us %d mean_us %.1f\n",
        summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
        summary.errors.read, summary.errors.write, summary.errors.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency:percentile(99.9), latency.max, latency.mean))
end

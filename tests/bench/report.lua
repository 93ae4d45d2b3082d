-- report.lua: the one result line every benchmark script prints at the end,
-- read by bench.sh: requests, rate, p50 and p99 latency, errors.
local M = {}
function M.line(summary, latency, extra)
    local dur = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format("WRK requests=%d duration_s=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx3xx=%d sockerr=%d%s\n",
        summary.requests, dur, summary.requests / dur, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout, extra or ""))
end
return M

-- get.lua: GET $BENCH_PATH with the cookie $BENCH_COOKIE (may be empty).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local report = require "report"
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
function done(summary, latency, requests) report.line(summary, latency) end

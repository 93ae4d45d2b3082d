-- submit.lua: POST /survey/submit, one prepared respondent session (a full
-- survey saved as the draft) per request, from $BENCH_SESSIONS: lines
-- "COOKIE CSRF". The wrk threads split the lines. A session used up is
-- never sent again; when a thread runs out it asks for /healthz instead and
-- counts that, so the rate is only taken from real submissions. New
-- submissions stop $BENCH_SUBMIT_SECONDS after the first request (the rest
-- of the run asks for /healthz, once a second per connection, so these few
-- fast requests hardly touch the latency figures), so none is in flight
-- when wrk stops and
-- the stored rows can be compared exactly with the answers counted here.
-- A stored pseudonymous response is a 303 to the profile. The rate is the
-- number of 303s over the time from the first request to the last 303.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local report = require "report"
local ffi = require "ffi"
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function clock()
    ffi.C.gettimeofday(tv, nil)
    return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end
local threads, counter = {}, 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    mine, next_i, done_n, other_n, spare_n = {}, 1, 0, 0, 0
    first_t, last_t, nmine, window = 0, 0, 0, tonumber(os.getenv("BENCH_SUBMIT_SECONDS") or "1e9")
    local i = 0
    for line in io.lines(os.getenv("BENCH_SESSIONS")) do
        if i % tonumber(os.getenv("BENCH_THREADS")) == id then
            local c, t = line:match("^(%S+) (%S+)$")
            table.insert(mine, {c, t})
        end
        i = i + 1
    end
    nmine = #mine
end

function request()
    local s = mine[next_i]
    local t = clock()
    if first_t == 0 then first_t = t end
    if not s or t - first_t > window then
        spare_n = spare_n + 1
        return wrk.format("GET", "/healthz")
    end
    next_i = next_i + 1
    return wrk.format("POST", "/survey/submit",
        {["Cookie"] = "mognad_r=" .. s[1], ["Content-Type"] = "application/x-www-form-urlencoded"},
        "csrf=" .. s[2])
end

function delay()
    if not mine[next_i] or (first_t > 0 and clock() - first_t > window) then return 1000 end
    return 0
end

function response(status, headers, body)
    if status == 303 then done_n = done_n + 1; last_t = clock() elseif status ~= 200 then other_n = other_n + 1 end
end

function done(summary, latency, requests)
    local ok, other, spare, t0, t1 = 0, 0, 0, 0, 0
    for _, t in ipairs(threads) do
        ok = ok + t:get("done_n"); other = other + t:get("other_n"); spare = spare + t:get("spare_n")
        local a, b = t:get("first_t"), t:get("last_t")
        if a > 0 and (t0 == 0 or a < t0) then t0 = a end
        if b > t1 then t1 = b end
    end
    local secs = t1 > t0 and t1 - t0 or 0
    local left = 0
    for _, t in ipairs(threads) do left = left + (t:get("nmine") - t:get("next_i") + 1) end
    report.line(summary, latency, string.format(" submitted=%d other=%d healthz=%d submit_s=%.2f submit_rate=%.1f unused_sessions=%d",
        ok, other, spare, secs, secs > 0 and ok / secs or 0, left))
end

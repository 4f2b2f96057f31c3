-- Replays pre-encrypted WeChat callbacks for wrk, each request once.
--
--   wrk -t1 -c32 -d10s -s bench/replay.lua http://127.0.0.1:PORT -- REQUESTS_FILE THREADS
--
-- REQUESTS_FILE has one callback a line: "path?query<TAB>body" (bench/wrk_client.py
-- writes it just before the run: WeChat's timestamps expire after 300 s). Thread k
-- of THREADS sends lines k, k+THREADS, ...; past the end it starts over, and those
-- requests are retries of messages already sent (done() counts them).
-- WXBOT_BENCH_RATE, when set, paces the load at that many requests a second across all
-- threads (wrk reads delay() once at load time, hence an environment variable).

local requests = {}
local step, index = 1, 1

function init(args)
   local headers = { ["Content-Type"] = "application/xml" }
   for line in io.lines(args[1]) do
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
   end
   step = tonumber(args[2]) or 1
   index = (tonumber(wrk.thread:get("tid")) or 0) + 1
end

local thread_count = 0
function setup(thread)
   thread:set("tid", thread_count)
   thread_count = thread_count + 1
end

function request()
   local req = requests[index]
   index = index + step
   if index > #requests then
      index = index - #requests
   end
   return req
end

-- Each thread keeps a schedule of send times, one every THREADS / RATE seconds, and
-- delay() waits for the next free slot: the offered rate holds whatever the server's
-- latency (as wrk2's -R does), while a fixed delay() per request would slow down with
-- the very latency being measured. Behind schedule, requests go at once until caught up.
local rate = tonumber(os.getenv("WXBOT_BENCH_RATE") or "")
if rate and rate > 0 then
   local ffi = require("ffi")
   ffi.cdef[[
      typedef struct { long tv_sec; long tv_nsec; } wxbot_timespec;
      int clock_gettime(int clk_id, wxbot_timespec *tp);
   ]]
   local now, slot = ffi.new("wxbot_timespec"), nil
   local function now_ms()
      ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
      return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
   end
   function delay()
      local at = now_ms()
      slot = math.max(slot or at, at - 1000) -- a stall forgives at most a second of slots
      local wait = slot - at
      slot = slot + step * 1000 / rate
      return math.max(0, wait)
   end
end

function done(summary, latency, requests_)
   local errors = summary.errors
   io.write(string.format(
      "WRK_RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d"
         .. " p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
      summary.requests, summary.duration, errors.status, errors.connect, errors.read,
      errors.write, errors.timeout, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max))
end

-- Replays pre-encrypted WeChat callbacks for wrk, each request once.
--
--   wrk -t1 -c32 -d10s -s bench/replay.lua http://127.0.0.1:PORT -- REQUESTS_FILE THREADS
--
-- REQUESTS_FILE has one callback a line: "path?query<TAB>body" (bench/wrk_client.py
-- writes it just before the run: WeChat's timestamps expire after 300 s). Thread k
-- of THREADS sends lines k, k+THREADS, ...; past the end it starts over, and those
-- requests are retries of messages already sent (done() counts them).
-- WXBOT_BENCH_DELAY_MS, when set, paces each connection: wrk waits that long before
-- each request (wrk reads delay() once at load time, hence an environment variable).

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

local delay_ms = tonumber(os.getenv("WXBOT_BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
   function delay()
      return delay_ms
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

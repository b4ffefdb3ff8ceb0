-- wrk script of the ingest benchmark: POST the event templates written by wrk_client.py, each
-- with a runId of its own so the collector stores every request instead of deduplicating it.
-- Arguments after `--`: the templates file (one event a line, PLACEHOLDER where the runId goes,
-- TIME where the eventTime goes), a number unique to this wrk invocation (a warm-up and the run
-- never share an id) and `same` or `distinct`: whether every request keeps the template's
-- eventTime or gets one of its own, from the invocation's start on, a microsecond apart; and
-- wrk's thread count (threads interleave over the templates and the microseconds).

local PLACEHOLDER = "11111111-2222-4333-8444-555555555555"
local TIME = "2026-11-20T03:14:15.926535+00:00"
local created = 0

function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

function init(args)
  templates = {}
  for line in io.lines(args[1]) do
    -- ingest.py writes eventTime before the run's id
    local t = string.find(line, TIME, 1, true)
    local rest = string.sub(line, t + #TIME)
    local at = string.find(rest, PLACEHOLDER, 1, true)
    templates[#templates + 1] = {
      string.sub(line, 1, t - 1), string.sub(rest, 1, at - 1), string.sub(rest, at + #PLACEHOLDER)
    }
  end
  nonce = tonumber(args[2])
  same_time = args[3] == "same"
  -- each thread runs in a Lua state of its own: setup's counter is not visible here
  threads = tonumber(args[4])
  start = os.time()  -- later for each invocation: a run's events are newer than its warm-up's
  sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local parts = templates[(tid + sent * threads) % #templates + 1]
  local run_id = string.format("%08x-%04x-4000-8000-%012x", nonce, tid, sent)
  local at = TIME
  if not same_time then
    local u = sent * threads + tid  -- microseconds after this invocation began
    at = os.date("!%Y-%m-%dT%H:%M:%S", start + math.floor(u / 1000000))
      .. string.format(".%06d+00:00", u % 1000000)
  end
  return wrk.format(nil, nil, nil, parts[1] .. at .. parts[2] .. run_id .. parts[3])
end

-- One line for wrk_client.py: requests, duration (us), p50 and p99 latency (us), non-2xx
-- answers, timeouts, socket errors.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT %d %d %.0f %.0f %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.timeout, e.connect + e.read + e.write
  ))
end

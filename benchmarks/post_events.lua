-- wrk script of the ingest benchmark: POST the event templates written by wrk_client.py, each
-- with a runId of its own so the collector stores every request instead of deduplicating it.
-- Arguments after `--`: the templates file (one event a line, PLACEHOLDER where the runId goes)
-- and a number unique to this wrk invocation (a warm-up and the run never share an id).

local PLACEHOLDER = "11111111-2222-4333-8444-555555555555"
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  templates = {}
  for line in io.lines(args[1]) do
    local at = string.find(line, PLACEHOLDER, 1, true)
    templates[#templates + 1] = {
      string.sub(line, 1, at - 1), string.sub(line, at + #PLACEHOLDER)
    }
  end
  nonce = tonumber(args[2])
  sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local parts = templates[(tid + sent * threads) % #templates + 1]
  local run_id = string.format("%08x-%04x-4000-8000-%012x", nonce, tid, sent)
  return wrk.format(nil, nil, nil, parts[1] .. run_id .. parts[2])
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

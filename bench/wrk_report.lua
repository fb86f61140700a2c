-- wrk: checks what every response was and prints one JSON line at the end.
--
--   wrk ... -s wrk_report.lua URL -- MARKER
--
-- A response is an error unless its status is 200 and its body holds MARKER (a piece of text the
-- expected page always shows): a redirect to the sign-in page or an error page counts as an error.
-- Printed: latency percentiles (microseconds), requests per second, requests, socket errors,
-- responses of another status, responses without the marker, and all errors together.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  marker = args[1]
  bad_status = 0
  bad_marker = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif marker and (body == nil or not string.find(body, marker, 1, true)) then
    bad_marker = bad_marker + 1
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local status, missing = 0, 0
  for _, thread in ipairs(threads) do
    status = status + thread:get("bad_status")
    missing = missing + thread:get("bad_marker")
  end
  io.write(string.format(
    '{"p50": %d, "p95": %d, "p99": %d, "rps": %.1f, "requests": %d, "socket": %d, "status": %d, '
      .. '"marker": %d, "errors": %d}\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests / (summary.duration / 1e6), summary.requests, socket, status, missing,
    socket + status + missing))
end

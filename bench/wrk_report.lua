-- wrk: one JSON line at the end with the latency percentiles (microseconds), requests per
-- second and errors (socket errors plus responses with a status of 400 or more).
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    '{"p50": %d, "p95": %d, "p99": %d, "rps": %.1f, "requests": %d, "errors": %d}\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests / (summary.duration / 1e6), summary.requests, errors))
end

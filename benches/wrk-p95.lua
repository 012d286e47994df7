-- wrk script for the web application benchmark: sends the session cookie given in the
-- environment (CAIBIAN_COOKIE="caibian_session=…") and prints p50/p95/p99 in milliseconds.
--   CAIBIAN_COOKIE=… wrk -t2 -c8 -d15s -s benches/wrk-p95.lua 'http://127.0.0.1:8800/inbox'
local cookie = os.getenv("CAIBIAN_COOKIE") or ""

request = function()
  return wrk.format("GET", nil, { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  %d requests, %d errors (status %d)\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    summary.errors.status))
end

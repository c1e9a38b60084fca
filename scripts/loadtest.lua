-- wrk script for POST /v1/decisions: demo-ruleset payments over a spread of accounts, amounts,
-- countries and IPs, so the engine sees varied events rather than one cached answer.
local accounts = {"account123", "account456", "account789", "acct-a", "acct-b", "acct-c"}
local countries = {"FR", "FR", "FR", "DE", "KP"}
local n = 0
math.randomseed(7)

request = function()
  n = n + 1
  local amount = math.random(0, 2000000) / 100
  local body = string.format(
    '{"transaction_id":"tx%d","account_id":"%s","amount":%.2f,"timestamp":%d,"ip":"10.0.%d.%d","country":"%s","currency":"EUR"}',
    n, accounts[math.random(#accounts)], amount, 1732200000 + n, math.random(0, 3), math.random(0, 255),
    countries[math.random(#countries)])
  return wrk.format("POST", "/v1/decisions", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    + summary.errors.status
  io.write(string.format("requests=%d errors=%d throughput=%.0f/s p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms\n",
    summary.requests, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end

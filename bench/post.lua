-- wrk script: POST an OpenAI chat completion, streamed or not.
--   wrk -s bench/post.lua URL -- stream [model]      (or: -- plain [model])
-- done() prints one JSON line (BENCH {...}) with exact figures for bench/wrk.py to parse.

function init(args)
  local stream = args[1] == "stream"
  local model = args[2] or "gpt-4o-mini"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer x"
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"Say hello."}],"stream":'
    .. (stream and "true" or "false") .. '}'
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"mean_us":%.1f,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end

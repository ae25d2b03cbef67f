-- wrk script: POST one generation, streamed or not, in the API the third argument names:
-- chat (OpenAI chat completions, the default), responses (OpenAI Responses) or messages (Anthropic Messages).
--   wrk -s bench/post.lua URL -- stream [model [api]]      (or: -- plain [model [api]])
-- done() prints one JSON line (BENCH {...}) with exact figures for bench/wrk.py to parse.

function init(args)
  local stream = args[1] == "stream" and "true" or "false"
  local model = args[2] or "gpt-4o-mini"
  local api = args[3] or "chat"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer x"
  if api == "responses" then
    wrk.body = '{"model":"' .. model .. '","input":"Say hello.","stream":' .. stream .. ',"store":false}'
  elseif api == "messages" then
    wrk.headers["anthropic-version"] = "2023-06-01"
    wrk.body = '{"model":"' .. model .. '","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}],'
      .. '"stream":' .. stream .. '}'
  elseif api == "chat" then
    wrk.body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"Say hello."}],"stream":'
      .. stream .. '}'
  else
    error("unknown api " .. api .. ": one of chat, responses, messages")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"mean_us":%.1f,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end

-- wrk script for bench/ingest.py: every request posts the next pre-signed delivery from a file
-- ("signature<TAB>body" per line), each thread taking every N-th line so no wamid is sent twice.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  step = tonumber(args[2])
  lines = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % step == index then
      local tab = line:find("\t", 1, true)
      table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    i = i + 1
  end
  position = 0
  repeats = 0
  not_ok = 0
end

function request()
  position = position + 1
  if position > #lines then
    position = 1
    repeats = repeats + 1
  end
  local item = lines[position]
  return wrk.format("POST", "/webhook/whatsapp",
    {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = item[1],
     ["X-Forwarded-Proto"] = "https"}, item[2])  -- as the TLS proxy in front of gunicorn sends it
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local total_repeats = 0
  local total_not_ok = 0
  for _, thread in ipairs(threads) do
    total_repeats = total_repeats + (thread:get("repeats") or 0)
    total_not_ok = total_not_ok + (thread:get("not_ok") or 0)
  end
  io.write(string.format("JSON {\"requests\": %d, \"non2xx\": %d, \"errors\": %d, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"wrapped\": %d}\n",
    summary.requests, total_not_ok, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_repeats))
end

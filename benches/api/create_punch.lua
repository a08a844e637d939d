-- wrk: POST /v1/punches with a new client_id per request (a new punch each time, as a
-- crew clocking in). Arguments after `--`: SITE_ID TOKEN RUN_ID.
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  site, token, run = args[1], args[2], args[3]
  sent = 0
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"client_id":"bench-%s-%d-%d","kind":"in","site_id":"%s","device_time":"%s",' ..
    '"device_location":{"lat":46.7547,"lon":33.3361,"accuracy_m":10},' ..
    '"photo":{"content_type":"image/heic","content_length":2000000}}',
    run, thread_id, sent, site, os.date("!%Y-%m-%dT%H:%M:%SZ"))
  return wrk.format("POST", "/v1/punches", headers, body)
end

-- wrk script: POSTs a 547-byte job.milestone.current_changed envelope with a unique eventId per request, for one job
-- (or JOBS jobs in turn, from the environment: ordering keys for acx listen --forward-to). EventIds are random GUIDs,
-- as AccuLynx sends (each thread seeded with its number: the same ids every run); IDS=sequential makes them count up
-- instead (thread, counter), which is kinder to an index.
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  thread_id = tonumber(tid) or 0
  math.randomseed(19 + thread_id)
end

local sequential = os.getenv("IDS") == "sequential"

local jobs = tonumber(os.getenv("JOBS") or "1")
local head = '{"topicName":"job.milestone.current_changed","eventDateTime":"2026-05-26T14:23:55.4999782Z","eventId":"'
local middle = '","subscriptionId":"f30009c1-b6e3-432a-9a0e-6932c9fabdd8","event":{"job":{"id":"6513270e-269e-4d37-b2a7-'
local tail = '","milestone":{"id":3,"name":"Approved","isCurrent":true},"_link":"https://api.acculynx.com/api/v2/jobs/6513270e-269e-4d37-b2a7-4de452e6b438"},"note":"'
local pad_len = 547 - (#head + 36 + #middle + 12 + #tail + 3)
local finish = string.rep("x", pad_len) .. '"}}'

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local id
  if sequential then
    id = string.format("%08x-0000-4000-8000-%012x", thread_id, counter)
  else
    id = string.format("%08x-%04x-4%03x-%04x-%04x%08x", math.random(0, 0xffffffff), math.random(0, 0xffff),
      math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff), math.random(0, 0xffff), math.random(0, 0xffffffff))
  end
  local job = string.format("%012x", counter % jobs)
  return wrk.format(nil, nil, nil, head .. id .. middle .. job .. tail .. finish)
end

-- Each request from another client address (X-Forwarded-For, one trusted proxy): visitors from
-- many places, as a public page has them, rather than one address holding every seat.
-- Each of wrk's threads draws its own addresses (the same seed would repeat them in every thread).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  -- Any public IPv4 address: Sightline counts an address's sessions by the address itself, and
  -- a narrower range would make neighbours share limits they would not share on the internet.
  local ip = string.format("%d.%d.%d.%d", math.random(11, 223), math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = ip })
end

-- Any answer but 200 is written out with its status, for the benchmark to show.
response = function(status, headers, body)
  if status ~= 200 then
    io.write(string.format("status %d: %s\n", status, string.sub(body or "", 1, 200)))
  end
end

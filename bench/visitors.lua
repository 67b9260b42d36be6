-- Each request from another client address (X-Forwarded-For, one trusted proxy): visitors from
-- many places, as a public page has them, rather than one address holding every seat.
math.randomseed(os.time())
request = function()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = ip })
end

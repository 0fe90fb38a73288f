-- wrk: the sandbox's create-then-read. Each connection creates an organization, then reads
-- it back by the id the create answered with, and so on.
local pending = nil
local counter = 0

request = function()
  if pending then
    local path = "/straddle/v1/organizations/" .. pending
    pending = nil
    return wrk.format("GET", path, {["Authorization"] = "Bearer bench"})
  end
  counter = counter + 1
  return wrk.format("POST", "/straddle/v1/organizations",
    {["Authorization"] = "Bearer bench", ["Content-Type"] = "application/json"},
    '{"name":"Bench ' .. counter .. '"}')
end

response = function(status, headers, body)
  if status == 201 then
    pending = string.match(body, '"id":"([^"]+)"')
  elseif status ~= 200 then
    print("unexpected status " .. status)
  end
end

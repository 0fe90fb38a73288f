-- Every resource of the sandbox, at one moment: resource, {id, JSON, id, JSON...}, ...
-- KEYS: resources; ARGV: 1 the sandbox's key prefix
local out = {}
local resources = redis.call('SMEMBERS', KEYS[1])
table.sort(resources)
for _, resource in ipairs(resources) do
  local p = ARGV[1] .. 'r:' .. resource .. ':'
  local ids = redis.call('ZRANGE', p .. 'order', 0, -1)
  local pairs_ = {}
  for first = 1, #ids, 1000 do
    local last = math.min(first + 999, #ids)
    local values = redis.call('HMGET', p .. 'items', unpack(ids, first, last))
    for i = 1, last - first + 1 do
      if values[i] then
        pairs_[#pairs_ + 1] = ids[first + i - 1]
        pairs_[#pairs_ + 1] = values[i]
      end
    end
  end
  out[#out + 1] = resource
  out[#out + 1] = pairs_
end
return out

-- One resource's items in creation order, as id, JSON, id, JSON...
-- KEYS: items, order
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
local out = {}
-- HMGET in slices: Lua's unpack has a small limit on how many values it spreads
for first = 1, #ids, 1000 do
  local last = math.min(first + 999, #ids)
  local values = redis.call('HMGET', KEYS[1], unpack(ids, first, last))
  for i = 1, last - first + 1 do
    if values[i] then
      out[#out + 1] = ids[first + i - 1]
      out[#out + 1] = values[i]
    end
  end
end
return out

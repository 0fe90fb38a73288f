-- Replaces one item, if it is still the one the replica read (the change was computed from
-- it), and keeps unique values unique.
--
-- KEYS: items, unique
-- ARGV: 1 id, 2 the item as read, 3 the new item, 4 n old entries, the old entries,
--       then n new entries, the new entries
-- Returns {'updated'} | {'gone'} | {'changed'} | {'conflict', new entry number}
local items, unique, id = KEYS[1], KEYS[2], ARGV[1]
local current = redis.call('HGET', items, id)
if not current then return {'gone'} end
if current ~= ARGV[2] then return {'changed'} end
local old = tonumber(ARGV[4])
local at = 5 + old
local new = tonumber(ARGV[at])
for u = 1, new do
  local owner = redis.call('HGET', unique, ARGV[at + u])
  if owner and owner ~= id then return {'conflict', tostring(u)} end
end
for u = 1, old do
  if redis.call('HGET', unique, ARGV[4 + u]) == id then redis.call('HDEL', unique, ARGV[4 + u]) end
end
for u = 1, new do
  redis.call('HSET', unique, ARGV[at + u], id)
end
redis.call('HSET', items, id, ARGV[3])
return {'updated'}

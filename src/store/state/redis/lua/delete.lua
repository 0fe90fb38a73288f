-- Removes one item, if it is still the one the replica read, with its unique values.
--
-- KEYS: items, order, unique
-- ARGV: 1 id, 2 the item as read, then its unique entries
-- Returns {'deleted'} | {'gone'} | {'changed'}
local items, order, unique, id = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local current = redis.call('HGET', items, id)
if not current then return {'gone'} end
if current ~= ARGV[2] then return {'changed'} end
redis.call('HDEL', items, id)
redis.call('ZREM', order, id)
for u = 3, #ARGV do
  if redis.call('HGET', unique, ARGV[u]) == id then redis.call('HDEL', unique, ARGV[u]) end
end
return {'deleted'}

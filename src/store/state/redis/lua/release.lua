-- Gives up a claimed idempotency key whose request was abandoned; a kept answer stays.
-- KEYS: epoch; ARGV: 1 key prefix, 2 scope
local key = ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2]
local held = redis.call('GET', key)
if held and held:sub(1, 11) == '{"pending":' then
  redis.call('DEL', key)
end
return 1

-- Keeps the answer to a claimed idempotency key until it expires.
-- KEYS: epoch; ARGV: 1 key prefix, 2 scope, 3 the answer, 4 its expiry in ms
local key = ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2]
redis.call('SET', key, ARGV[3], 'PX', ARGV[4])
return 1

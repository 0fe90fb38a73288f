-- Claims an idempotency key (SET NX with an expiry) or says who holds it.
-- KEYS: epoch; ARGV: 1 key prefix, 2 scope, 3 the pending claim, 4 its expiry in ms
-- Returns {'fresh'} | {'held', what is kept}
local key = ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2]
if redis.call('SET', key, ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {'fresh'}
end
return {'held', redis.call('GET', key)}

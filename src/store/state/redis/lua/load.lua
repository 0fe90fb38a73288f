-- Replaces the whole sandbox with the given writes: on reset, or to seed a sandbox that was
-- never started (the first replica seeds it; later ones find the marker and keep what is there).
-- Idempotency keys are forgotten by moving to a new epoch (their keys include it and expire).
--
-- KEYS: resources, epoch, marker
-- ARGV: 1 mode (seed | reset), 2 the sandbox's key prefix, 3 the marker's value,
--       then commands, each as its length and its words
-- Returns 1 when the writes were made, 0 when the sandbox was already there (seed)
local resources, epoch, marker = KEYS[1], KEYS[2], KEYS[3]
if ARGV[1] == 'seed' and redis.call('EXISTS', marker) == 1 then
  return 0
end
for _, resource in ipairs(redis.call('SMEMBERS', resources)) do
  local p = ARGV[2] .. 'r:' .. resource .. ':'
  redis.call('DEL', p .. 'items', p .. 'order', p .. 'unique', p .. 'high', p .. 'clock')
end
redis.call('DEL', resources)
redis.call('INCR', epoch)
redis.call('SET', marker, ARGV[3])
local i = 4
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1

-- Creates one item. The maximum count, the unique values and a free id are checked, and the
-- item stored, in one step: no other replica's write can come between a check and this one.
--
-- KEYS: items (hash id -> JSON), order (zset id by creation), unique (hash "field\nvalue" -> id),
--       high (largest integer id held), clock (creation counter), resources (set of resources)
-- ARGV: 1 resource, 2 max count (-1: none), 3 id property as JSON, 4 item without id as JSON,
--       5 mode (sequence | drawn | chosen), 6 sequence min, 7 sequence max, 8 '1' to write the
--       id as text, 9 a chosen integer id that raises the sequence (or ''), 10 n unique entries,
--       then the n entries, then candidates as (text, JSON) pairs (a sequence's: spare ids for
--       when it has run out).
-- Returns {'created', id JSON} | {'limit'} | {'conflict', entry number} | {'taken'} | {'exhausted', tried}

-- a < b, for canonical integer strings (Lua's numbers are doubles: no exact 64-bit arithmetic)
local function below(a, b)
  local na, nb = a:sub(1, 1) == '-', b:sub(1, 1) == '-'
  if na ~= nb then return na end
  if #a ~= #b then return (#a < #b) ~= na end
  if a == b then return false end
  return (a < b) ~= na
end

local items, order, unique, high, clock, resources = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local max = tonumber(ARGV[2])
if max >= 0 and redis.call('HLEN', items) >= max then
  return {'limit'}
end
local n = tonumber(ARGV[10])
for u = 1, n do
  if redis.call('HEXISTS', unique, ARGV[10 + u]) == 1 then
    return {'conflict', tostring(u)}
  end
end

local mode, id_text, id_json = ARGV[5], nil, nil
if mode == 'sequence' then
  local min, top = ARGV[6], ARGV[7]
  local largest = redis.call('GET', high)
  if largest and not below(largest, top) then
    -- run out (a client chose an id at the top): a spare id from the candidates below
  elseif largest and not below(largest, min) then
    redis.call('INCR', high)
    -- read back as text: INCR's reply would reach Lua as a double
    id_text = redis.call('GET', high)
  elseif not below(top, min) then
    redis.call('SET', high, min)
    id_text = min
  end
  if id_text then
    if redis.call('HEXISTS', items, id_text) == 1 then
      return {'taken'}
    end
    if ARGV[8] == '1' then id_json = '"' .. id_text .. '"' else id_json = id_text end
  end
end
if not id_text then
  local first = 11 + n
  local tried = 0
  for c = first, #ARGV - 1, 2 do
    tried = tried + 1
    if redis.call('HEXISTS', items, ARGV[c]) == 0 then
      id_text, id_json = ARGV[c], ARGV[c + 1]
      break
    end
  end
  if not id_text then
    if mode == 'chosen' then return {'taken'} end
    return {'exhausted', tostring(tried)}
  end
  local raised = ARGV[9]
  if raised ~= '' then
    local largest = redis.call('GET', high)
    if not largest or below(largest, raised) then redis.call('SET', high, raised) end
  end
end

local body = ARGV[4]
local value
if body == '{}' then
  value = '{' .. ARGV[3] .. ':' .. id_json .. '}'
else
  value = '{' .. ARGV[3] .. ':' .. id_json .. ',' .. body:sub(2)
end
redis.call('HSET', items, id_text, value)
local tick = redis.call('INCR', clock)
redis.call('ZADD', order, tick, id_text)
for u = 1, n do
  redis.call('HSET', unique, ARGV[10 + u], id_text)
end
-- the resource's first item since the sandbox started (or was reset): list it for reset and dump
if tick == 1 then
  redis.call('SADD', resources, ARGV[1])
end
return {'created', id_json}

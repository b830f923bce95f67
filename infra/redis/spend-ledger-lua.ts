import { luaScript } from './client.ts'

// The spend ledger's Lua scripts (docs/adr/0020-spend-ledger.md): one per operation, one round trip
// each. The request comes as one JSON argument naming every key (the keys are also declared in
// KEYS). Lua numbers are doubles and cjson writes 14 digits, so every amount leaves a script as a
// string written with %d, and amounts are checked as safe integers before they are sent.
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function d(n) return string.format('%d', n) end
local function num(v) return tonumber(v or '0') or 0 end
-- a hold's reservation leaves (sign -1) or rejoins (sign 1) the counters it was held on
local function shift_reserved(rec, sign)
  for _, c in ipairs(rec.rc) do redis.call('HINCRBY', c, 'r', d(sign * tonumber(rec.a))) end
end
-- moves a GCRA arrival time by delta ms, never below now
local function move_tat(key, delta, now)
  local tat = redis.call('GET', key)
  if not tat then return end
  local moved = math.max(tonumber(tat) + delta, now)
  if moved <= now then redis.call('DEL', key) return end
  redis.call('SET', key, string.format('%.17g', moved), 'PX', math.ceil(moved - now) + 1000)
end
`
// Admission: stale → unseeded → reap a few lapsed leases → limits (computed, not written) → hard
// budgets → write everything. Nothing is written when anything refuses.
const ADMIT = `${PRELUDE}
local q = cjson.decode(ARGV[1])
local now = now_ms()
if q.known ~= '' then
  local changed = redis.call('GET', q.changes)
  if changed and (#changed > #q.known or (#changed == #q.known and changed > q.known)) then
    return cjson.encode({kind = 'stale', changed = changed})
  end
end
local unseeded = {}
for i, b in ipairs(q.budgets) do
  if b.hard and redis.call('HGET', b.key, 'seeded') ~= '1' then table.insert(unseeded, i - 1) end
end
if #unseeded > 0 then return cjson.encode({kind = 'unseeded', indexes = unseeded}) end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', q.leases, '-inf', d(now), 'LIMIT', 0, 16)) do
  local raw = redis.call('GET', q.holds .. id)
  if raw then
    local rec = cjson.decode(raw)
    if rec.l == 0 then shift_reserved(rec, -1) rec.l = 1 redis.call('SET', q.holds .. id, cjson.encode(rec), 'KEEPTTL') end
  end
  redis.call('ZREM', q.leases, id)
end
local previous = redis.call('GET', q.hold)
if previous then
  local rec = cjson.decode(previous)
  if rec.l == 0 then shift_reserved(rec, -1) end
  for _, w in ipairs(rec.w) do move_tat(w[1], -w[2] * w[3], now) end
  redis.call('ZREM', q.leases, q.id)
  redis.call('DEL', q.hold)
end
local states, refusal, writes = {}, nil, {}
for i, l in ipairs(q.limits) do
  local interval = 60000 / l.per_minute
  local weight = l.weight
  local tat = math.max(num(redis.call('GET', l.key)), now)
  local after = tat + weight * interval
  local fits = after - now <= 60000 + 1e-6
  local at = fits and after or tat
  local state = {index = i - 1, remaining = math.max(0, math.floor((60000 - (at - now)) / interval + 1e-9)), reset = math.max(0, math.ceil(at - now))}
  table.insert(states, state)
  if fits then
    table.insert(writes, {l.key, after, weight, interval})
  else
    local retry = weight > l.per_minute and 60000 or math.ceil(after - now - 60000)
    if not refusal or retry > refusal.retry then refusal = {index = i - 1, retry = retry} end
  end
end
if refusal then return cjson.encode({kind = 'rate_limited', limit = refusal.index, retry = refusal.retry, states = states}) end
for i, b in ipairs(q.budgets) do
  if b.hard then
    local v = redis.call('HMGET', b.key, 's', 'r')
    local s, r = num(v[1]), num(v[2])
    if s + r + q.amount > b.limit then
      return cjson.encode({kind = 'budget_exceeded', budget = i - 1, s = d(s), r = d(r), states = states})
    end
  end
end
for _, w in ipairs(writes) do
  redis.call('SET', w[1], string.format('%.17g', w[2]), 'PX', math.ceil(w[2] - now) + 1000)
end
local held, seen = {}, {}
for _, b in ipairs(q.budgets) do
  if b.hard and not seen[b.key] then
    seen[b.key] = true
    table.insert(held, b.key)
    redis.call('HINCRBY', b.key, 'r', d(q.amount))
  else
    redis.call('HSETNX', b.key, 's', '0')
  end
  if redis.call('PTTL', b.key) < b.ttl then redis.call('PEXPIRE', b.key, d(b.ttl)) end
end
local rec = {a = d(q.amount), rc = held, sc = q.spend, w = {}, l = 0}
for i, w in ipairs(writes) do table.insert(rec.w, {w[1], w[3], w[4], q.limits[i].unit}) end
redis.call('SET', q.hold, cjson.encode(rec), 'PX', d(q.lease_ms + 86400000))
redis.call('ZADD', q.leases, d(now + q.lease_ms), q.id)
if redis.call('PTTL', q.leases) < q.lease_ms + 86400000 then redis.call('PEXPIRE', q.leases, d(q.lease_ms + 86400000)) end
return cjson.encode({kind = 'admitted', states = states})
`
// Settle (cost, tokens) and release (0, 0): the record's absence makes both idempotent. A lapsed
// hold no longer counts as reserved, so only a live one gives its reservation back.
const SETTLE = `${PRELUDE}
local q = cjson.decode(ARGV[1])
local raw = redis.call('GET', q.hold)
if not raw then return cjson.encode({kind = 'unknown'}) end
local now = now_ms()
local rec = cjson.decode(raw)
if rec.l == 0 then shift_reserved(rec, -1) end
redis.call('ZREM', q.leases, q.id)
if q.cost > 0 then
  for _, c in ipairs(rec.sc) do
    redis.call('HINCRBY', c[1], 's', d(q.cost))
    if redis.call('PTTL', c[1]) < c[2] then redis.call('PEXPIRE', c[1], d(c[2])) end
  end
end
for _, w in ipairs(rec.w) do
  if w[4] == 'tokens' then move_tat(w[1], (q.tokens - w[2]) * w[3], now) end
end
redis.call('DEL', q.hold)
return cjson.encode({kind = 'settled', held = rec.a})
`
const RENEW = `${PRELUDE}
local q = cjson.decode(ARGV[1])
local raw = redis.call('GET', q.hold)
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.l == 1 then shift_reserved(rec, 1) rec.l = 0 end
local now = now_ms()
redis.call('SET', q.hold, cjson.encode(rec), 'PX', d(q.lease_ms + 86400000))
redis.call('ZADD', q.leases, d(now + q.lease_ms), q.id)
if redis.call('PTTL', q.leases) < q.lease_ms + 86400000 then redis.call('PEXPIRE', q.leases, d(q.lease_ms + 86400000)) end
return 1
`
const SEED = `${PRELUDE}
local before = num(redis.call('HGET', KEYS[1], 's'))
local after = math.max(before, tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 's', d(after), 'seeded', '1')
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {d(before), d(after)}
`
const COUNTERS = `
local out = {}
for _, k in ipairs(KEYS) do
  local v = redis.call('HMGET', k, 's', 'r', 'seeded')
  table.insert(out, {v[1] or '0', v[2] or '0', v[3] or '0'})
end
return out
`
// Positions are decimal strings of any length: compared by length, then lexicographically.
const MARK = `
local changed = redis.call('GET', KEYS[1])
local p = ARGV[1]
if not changed or #p > #changed or (#p == #changed and p > changed) then redis.call('SET', KEYS[1], p) end
return 1
`
export const SPEND_SCRIPTS = {
  admit: luaScript(ADMIT),
  settle: luaScript(SETTLE),
  renew: luaScript(RENEW),
  seed: luaScript(SEED),
  counters: luaScript(COUNTERS),
  mark: luaScript(MARK),
}

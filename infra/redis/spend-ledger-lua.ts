import { luaScript } from './client.ts'

// The spend ledger's Lua scripts (docs/adr/0020-spend-ledger.md): one per operation, one round trip
// each. Every key comes in KEYS and every other value as one plain ARGV string (layout: the
// adapter's spend-ledger-wire.ts), so no script decodes a JSON request; replies are flat arrays.
// Lua numbers are doubles, so amounts are checked as safe integers before they are sent and leave a
// script as the caller's own decimal string or one written with %d.
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function d(n) return string.format('%d', n) end
local function num(v) return tonumber(v or '0') or 0 end
-- A hold record: {a = amount, l = lapsed 0|1, rc = {counters it reserved on, in full}, q = {#spend,
-- (spend counter, ttl ms)…, (arrival-time key, weight, interval ms, unit)…}}, every value but l a
-- string (cjson writes strings fast, numbers slowly). q names spend counters after the
-- organization's base ('<prefix>{<org>}:', which every hold and counter key starts with), so the
-- record stays short. a, l and rc mean what they meant in the earlier layout {a, l, rc, sc, w}, so
-- a router of the earlier version that reaps a new record gives its reservation back; an earlier
-- record is read here with q built from sc and w, keys in full (full = true).
local function load_hold(raw)
  local rec = cjson.decode(raw)
  if rec.q then return rec end
  local q = {#rec.sc}
  for _, c in ipairs(rec.sc) do q[#q + 1] = c[1] q[#q + 1] = c[2] end
  for _, w in ipairs(rec.w) do q[#q + 1] = w[1] q[#q + 1] = w[2] q[#q + 1] = w[3] q[#q + 1] = w[4] end
  rec.q, rec.full, rec.sc, rec.w = q, true, nil, nil
  return rec
end
local function spend_key(rec, base, i) if rec.full then return rec.q[i] end return base .. rec.q[i] end
-- the index in q of the last spend entry; the weighed quads follow it
local function spend_end(rec) return 1 + 2 * tonumber(rec.q[1]) end
-- a hold's reservation leaves (sign -1) or rejoins (sign 1) the counters it was held on
local function shift_reserved(rec, sign)
  local by = d(sign * tonumber(rec.a))
  for _, c in ipairs(rec.rc) do redis.call('HINCRBY', c, 'r', by) end
end
-- keeps the longer of a key's TTL and ms: GT leaves a longer one, NX gives a key without one its first
local function extend(key, ms)
  if redis.call('PEXPIRE', key, ms, 'GT') == 0 then redis.call('PEXPIRE', key, ms, 'NX') end
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
// KEYS: hold, leases, changes, then nb budget counters, ns spend counters, nl limit arrival times.
// ARGV: hold id, holds prefix, known position ('' = no check), amount, lease ms, nb, ns, nl, then
// per budget (limit, hard '1'|'0', ttl ms), per spend counter (ttl ms), per limit (per minute,
// weight, unit 'requests'|'tokens').
// Reply: {'stale', changed} | {'unseeded', index…} | {'admitted', remaining, reset, …} |
// {'rate_limited', index, retry, remaining, reset, …} | {'budget_exceeded', index, s, r, remaining, reset, …}
// with one (remaining, reset) per limit, in order; indexes from 0.
const ADMIT = `${PRELUDE}
local id, holds, known, amount, lease_ms = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local nb, ns, nl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local hold, leases, base = KEYS[1], KEYS[2], string.sub(ARGV[2], 1, -3)
local bk, sk, lk, ba, sa, la = 3, 3 + nb, 3 + nb + ns, 8, 8 + 3 * nb, 8 + 3 * nb + ns
if known ~= '' then
  local changed = redis.call('GET', KEYS[3])
  if changed and (#changed > #known or (#changed == #known and changed > known)) then
    return {'stale', changed}
  end
end
local unseeded = nil
for i = 1, nb do
  if ARGV[ba + 3 * i - 1] == '1' and redis.call('HGET', KEYS[bk + i], 'seeded') ~= '1' then
    unseeded = unseeded or {'unseeded'}
    unseeded[#unseeded + 1] = i - 1
  end
end
if unseeded then return unseeded end
local now = now_ms()
for _, lapsed in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', d(now), 'LIMIT', 0, 16)) do
  local raw = redis.call('GET', holds .. lapsed)
  if raw then
    local rec = load_hold(raw)
    if rec.l == 0 then
      shift_reserved(rec, -1)
      rec.l = 1
      redis.call('SET', holds .. lapsed, cjson.encode(rec), 'KEEPTTL')
    end
  end
  redis.call('ZREM', leases, lapsed)
end
local previous = redis.call('GET', hold)
if previous then
  local rec = load_hold(previous)
  if rec.l == 0 then shift_reserved(rec, -1) end
  local q = rec.q
  for at = spend_end(rec) + 4, #q, 4 do move_tat(q[at - 3], -tonumber(q[at - 2]) * tonumber(q[at - 1]), now) end
  redis.call('ZREM', leases, id)
  redis.call('DEL', hold)
end
-- states[2i], states[2i+1]: limit i's remaining and reset; after[i]: its new arrival time, if it fits
local states, after, refused, retry_max = {}, {}, nil, 0
local tats = nl > 0 and redis.call('MGET', unpack(KEYS, lk + 1, lk + nl)) or {}
for i = 1, nl do
  local per_minute, weight = tonumber(ARGV[la + 3 * i - 2]), tonumber(ARGV[la + 3 * i - 1])
  local interval = 60000 / per_minute
  local tat = math.max(num(tats[i]), now)
  local next_tat = tat + weight * interval
  local fits = next_tat - now <= 60000 + 1e-6
  local at = fits and next_tat or tat
  states[2 * i - 1] = math.max(0, math.floor((60000 - (at - now)) / interval + 1e-9))
  states[2 * i] = math.max(0, math.ceil(at - now))
  if fits then
    after[i] = next_tat
  else
    local retry = weight > per_minute and 60000 or math.ceil(next_tat - now - 60000)
    if not refused or retry > retry_max then refused, retry_max = i - 1, retry end
  end
end
local function reply(head)
  for _, v in ipairs(states) do head[#head + 1] = v end
  return head
end
if refused then return reply({'rate_limited', refused, retry_max}) end
for i = 1, nb do
  if ARGV[ba + 3 * i - 1] == '1' then
    local v = redis.call('HMGET', KEYS[bk + i], 's', 'r')
    local s, r = num(v[1]), num(v[2])
    if s + r + tonumber(amount) > tonumber(ARGV[ba + 3 * i - 2]) then
      return reply({'budget_exceeded', i - 1, d(s), d(r)})
    end
  end
end
local held, seen, q, skip = {}, {}, {ARGV[7]}, #base + 1
for i = 1, nb do
  local key = KEYS[bk + i]
  if ARGV[ba + 3 * i - 1] == '1' and not seen[key] then
    seen[key] = true
    held[#held + 1] = key
    redis.call('HINCRBY', key, 'r', amount)
  else
    redis.call('HSETNX', key, 's', '0')
  end
  extend(key, ARGV[ba + 3 * i])
end
for i = 1, ns do
  q[#q + 1] = string.sub(KEYS[sk + i], skip)
  q[#q + 1] = ARGV[sa + i]
end
for i = 1, nl do
  local key = KEYS[lk + i]
  redis.call('SET', key, string.format('%.17g', after[i]), 'PX', math.ceil(after[i] - now) + 1000)
  q[#q + 1] = key
  q[#q + 1] = ARGV[la + 3 * i - 1]
  q[#q + 1] = string.format('%.17g', 60000 / tonumber(ARGV[la + 3 * i - 2]))
  q[#q + 1] = ARGV[la + 3 * i]
end
local keep = lease_ms + 86400000
redis.call('SET', hold, cjson.encode({a = amount, l = 0, rc = held, q = q}), 'PX', d(keep))
redis.call('ZADD', leases, d(now + lease_ms), id)
extend(leases, d(keep))
return reply({'admitted'})
`
// Settle (cost, tokens) and release (0, 0): the record's absence makes both idempotent. A lapsed
// hold no longer counts as reserved, so only a live one gives its reservation back.
// KEYS: hold, leases. ARGV: hold id, cost, tokens. Reply: the amount held (string), or nil (unknown).
const SETTLE = `${PRELUDE}
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local cost, tokens = ARGV[2], tonumber(ARGV[3])
local base = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1] - 2)
local rec = load_hold(raw)
if rec.l == 0 then shift_reserved(rec, -1) end
redis.call('ZREM', KEYS[2], ARGV[1])
local q, last = rec.q, spend_end(rec)
if cost ~= '0' then
  for at = 3, last, 2 do
    local key = spend_key(rec, base, at - 1)
    redis.call('HINCRBY', key, 's', cost)
    extend(key, q[at])
  end
end
local now = nil
for at = last + 4, #q, 4 do
  if q[at] == 'tokens' then
    now = now or now_ms()
    move_tat(q[at - 3], (tokens - tonumber(q[at - 2])) * tonumber(q[at - 1]), now)
  end
end
redis.call('DEL', KEYS[1])
return rec.a
`
// KEYS: hold, leases. ARGV: hold id, lease ms. Reply: 1, or 0 when there is no such hold.
const RENEW = `${PRELUDE}
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = load_hold(raw)
local keep = tonumber(ARGV[2]) + 86400000
if rec.l == 1 then
  shift_reserved(rec, 1)
  rec.l = 0
  redis.call('SET', KEYS[1], cjson.encode(rec), 'PX', d(keep))
else
  redis.call('PEXPIRE', KEYS[1], d(keep))
end
redis.call('ZADD', KEYS[2], d(now_ms() + tonumber(ARGV[2])), ARGV[1])
extend(KEYS[2], d(keep))
return 1
`
const SEED = `${PRELUDE}
local before = num(redis.call('HGET', KEYS[1], 's'))
local after = math.max(before, tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 's', d(after), 'seeded', '1')
extend(KEYS[1], ARGV[2])
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

import { createRedisClient, evalScript, luaScript } from '../redis/client.ts'
import { alreadyConsumed, entryIndexes, type OidcStore, type Payload } from './adapter.ts'

// oidc-provider's models in Redis, shared by every `aiaas identity` replica (docs/adr/0015,
// Storage). One hash per entry, expiring with it (EXPIRE): `payload` (oidc-provider's JSON, kept
// as a string so Redis never re-encodes it), `consumed` once used, and the names of the index keys
// that point at it. Indexes: `uid:<model>:<uid>` and `uc:<model>:<userCode>` hold the entry's id
// and expire with it; `g:<grantId>` is the set of a grant's entries, expiring with its longest
// member. Each operation that touches an entry and its indexes is one Lua script, so a reader
// never sees an index without its entry being consistent, and a revocation never misses a token
// written at the same moment.
//
// Every key carries the hash tag {oidc}: the scripts derive index keys from the entry they read,
// which a Redis Cluster accepts only within one slot. The issuer's state (sessions, codes, refresh
// tokens) is small, so one slot is not a capacity concern.

export interface RedisStoreOptions {
  /** Prepended to every key. Default `aiaas:oidc:`. */
  keyPrefix?: string
  /** Upper bound on one operation, connection wait included. Default 1000 ms. */
  commandTimeoutMs?: number
  /** Epoch milliseconds, for the `consumed` mark. */
  now?: () => number
}

// KEYS: entry, uid index, user-code index, grant set ('' when absent). ARGV: id, payload, ttl s.
const UPSERT = luaScript(`
local entry, id, ttl = KEYS[1], ARGV[1], tonumber(ARGV[3])
local old = redis.call('HMGET', entry, 'uidKey', 'userCodeKey', 'grantKey')
for i = 1, 2 do
  if old[i] and old[i] ~= '' and old[i] ~= KEYS[i + 1] and redis.call('GET', old[i]) == id then
    redis.call('DEL', old[i])
  end
end
if old[3] and old[3] ~= '' and old[3] ~= KEYS[4] then redis.call('SREM', old[3], entry) end
redis.call('DEL', entry)
redis.call('HSET', entry, 'id', id, 'payload', ARGV[2], 'uidKey', KEYS[2], 'userCodeKey', KEYS[3], 'grantKey', KEYS[4])
redis.call('EXPIRE', entry, ttl)
for i = 2, 3 do
  if KEYS[i] ~= '' then redis.call('SET', KEYS[i], id, 'EX', ttl) end
end
if KEYS[4] ~= '' then
  redis.call('SADD', KEYS[4], entry)
  if redis.call('TTL', KEYS[4]) < ttl then redis.call('EXPIRE', KEYS[4], ttl) end
end
return 1
`)

// Removes an entry and the index keys still pointing at it. KEYS: entry.
const DESTROY = luaScript(`
local function destroy(entry)
  local f = redis.call('HMGET', entry, 'id', 'uidKey', 'userCodeKey', 'grantKey')
  if not f[1] then return end
  for i = 2, 3 do
    if f[i] and f[i] ~= '' and redis.call('GET', f[i]) == f[1] then redis.call('DEL', f[i]) end
  end
  if f[4] and f[4] ~= '' then redis.call('SREM', f[4], entry) end
  redis.call('DEL', entry)
end
if ARGV[1] == 'grant' then
  for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do destroy(entry) end
  redis.call('DEL', KEYS[1])
else
  destroy(KEYS[1])
end
return 1
`)

// A compare-and-set: 0 when consumed already. HSET keeps the key's TTL; EXISTS first, so
// consuming a missing entry never creates one.
const CONSUME = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
if redis.call('HEXISTS', KEYS[1], 'consumed') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
return 1
`)

export interface RedisOidcStore {
  store: OidcStore
  ping(): Promise<void>
  close(): Promise<void>
}

export function createRedisStore(url: string, options: RedisStoreOptions = {}): RedisOidcStore {
  const prefix = `${options.keyPrefix ?? 'aiaas:oidc:'}{oidc}:`
  const now = options.now ?? Date.now
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 1000,
    unavailableCode: 'OIDC_STORE_UNAVAILABLE',
    what: 'OIDC store',
  })
  const run = (script: ReturnType<typeof luaScript>, keys: string[], args: Array<string | number>) =>
    client.guarded(() => evalScript(client.redis, script, keys, args))
  const entryKey = (model: string, id: string) => `${prefix}e:${model}:${id}`
  const grantKey = (grantId: string) => `${prefix}g:${grantId}`
  const indexKey = (kind: 'uid' | 'uc', model: string, value: string | undefined) =>
    value === undefined ? '' : `${prefix}${kind}:${model}:${value}`
  const readEntry = async (key: string): Promise<Payload | undefined> => {
    const fields = await client.guarded(() => client.redis.hmget(key, 'payload', 'consumed'))
    const [payload, consumed] = fields
    if (!payload) return undefined
    const parsed = JSON.parse(payload) as Payload
    return consumed ? { ...parsed, consumed: Number(consumed) } : parsed
  }

  const store: OidcStore = (model) => {
    const findByIndex = async (key: string, field: 'uid' | 'userCode', value: string) => {
      const id = await client.guarded(() => client.redis.get(key))
      const found = id === null ? undefined : await readEntry(entryKey(model, id))
      // An index written for an entry replaced since: only an entry that still carries the value counts.
      return found && entryIndexes(model, found)[field] === value ? found : undefined
    }
    return {
      async upsert(id, payload, expiresIn) {
        const { grantId, uid, userCode } = entryIndexes(model, payload)
        const keys = [
          entryKey(model, id),
          indexKey('uid', model, uid),
          indexKey('uc', model, userCode),
          grantId === undefined ? '' : grantKey(grantId),
        ]
        // Redis expiries are whole seconds: rounded up, so an entry never goes before its time.
        await run(UPSERT, keys, [id, JSON.stringify(payload), Math.max(1, Math.ceil(expiresIn))])
      },
      find: (id) => readEntry(entryKey(model, id)),
      findByUid: (uid) => findByIndex(indexKey('uid', model, uid), 'uid', uid),
      findByUserCode: (userCode) => findByIndex(indexKey('uc', model, userCode), 'userCode', userCode),
      async consume(id) {
        if ((await run(CONSUME, [entryKey(model, id)], [Math.floor(now() / 1000)])) === 0)
          throw alreadyConsumed(model)
      },
      async destroy(id) {
        await run(DESTROY, [entryKey(model, id)], ['entry'])
      },
      async revokeByGrantId(grantId) {
        await run(DESTROY, [grantKey(grantId)], ['grant'])
      },
    }
  }
  return {
    store,
    ping: () => client.guarded(() => client.redis.ping()).then(() => undefined),
    close: () => client.close(),
  }
}

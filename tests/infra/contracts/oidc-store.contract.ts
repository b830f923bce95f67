import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { OidcStore, Payload } from '../../../infra/oidc/adapter.ts'

// One suite, run against every OidcStore (STYLE.md §9): what oidc-provider relies on when it keeps
// sessions, interactions, codes and tokens in the store (docs/adr/0015, Storage).

export interface OpenedOidcStore {
  store: OidcStore
  /** Moves the store's clock forward, for stores that take one; others are awaited with short TTLs. */
  advance?: (ms: number) => void
  dispose(): Promise<void>
}

export function oidcStoreContract(name: string, open: () => Promise<OpenedOidcStore>): void {
  describe(`OidcStore contract: ${name}`, () => {
    const opened: OpenedOidcStore[] = []
    const start = async () => {
      const handle = await open()
      opened.push(handle)
      return handle
    }
    const id = () => randomUUID()
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((handle) => handle.dispose()))
    })

    /** Lets `ttl`-second entries expire: the clock moves, or the test waits until `gone` holds. */
    async function outlive(handle: OpenedOidcStore, ttl: number, gone: () => Promise<void>) {
      if (handle.advance) {
        handle.advance(ttl * 1000 + 1)
        await gone()
      } else await vi.waitFor(gone, { timeout: ttl * 1000 + 5000, interval: 100 })
    }
    // The short lifetime in tests: a minute on a movable clock, else 1 s awaited by condition.
    const shortTtl = (handle: OpenedOidcStore) => (handle.advance ? 60 : 1)

    it('finds what was upserted, in its own model only, as a copy', async () => {
      const { store } = await start()
      const key = id()
      const payload = () => ({ jti: key, kind: 'Grant', nested: { scopes: ['admin'], n: 1.5 }, empty: [] })
      const given = payload()
      await store('Grant').upsert(key, given, 3600)
      given.nested.n = 3
      const found = await store('Grant').find(key)
      expect(found).toEqual(payload())
      expect(await store('Session').find(key)).toBeUndefined()
      expect(await store('Grant').find(id())).toBeUndefined()
      ;(found?.nested as { n: number }).n = 2
      expect(await store('Grant').find(key)).toEqual(payload())
    })

    it('never returns an entry, or finds it by uid or user code, once it has expired', async () => {
      const handle = await start()
      const { store } = handle
      const [short, long, uid, userCode] = [id(), id(), id(), id()]
      await store('DeviceCode').upsert(short, { jti: short, uid, userCode }, shortTtl(handle))
      await store('DeviceCode').upsert(long, { jti: long }, 3600)
      await outlive(handle, shortTtl(handle), async () => {
        expect(await store('DeviceCode').find(short)).toBeUndefined()
        expect(await store('DeviceCode').findByUid(uid)).toBeUndefined()
        expect(await store('DeviceCode').findByUserCode(userCode)).toBeUndefined()
      })
      expect(await store('DeviceCode').find(long)).toEqual({ jti: long })
    })

    it('consume marks the entry consumed (epoch seconds) and keeps its expiry', async () => {
      const handle = await start()
      const { store } = handle
      const [code, other] = [id(), id()]
      await store('AuthorizationCode').upsert(code, { jti: code, grantId: 'g' }, shortTtl(handle))
      const before = Math.floor(Date.now() / 1000)
      await store('AuthorizationCode').consume(code)
      const consumed = await store('AuthorizationCode').find(code)
      expect(consumed).toMatchObject({ jti: code, grantId: 'g', consumed: expect.any(Number) })
      if (!handle.advance) expect(consumed?.consumed).toBeGreaterThanOrEqual(before)
      await store('AuthorizationCode').consume(other)
      expect(await store('AuthorizationCode').find(other)).toBeUndefined()
      await outlive(handle, shortTtl(handle), async () => {
        expect(await store('AuthorizationCode').find(code)).toBeUndefined()
      })
    })

    it('consume is a compare-and-set: of concurrent consumes one wins, the others are refused', async () => {
      const { store } = await start()
      const code = id()
      await store('AuthorizationCode').upsert(code, { jti: code, grantId: 'g' }, 600)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () => store('AuthorizationCode').consume(code)),
      )
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
      for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
        expect(outcome.reason).toMatchObject({ code: 'OIDC_ALREADY_CONSUMED' })
      }
      await expect(store('AuthorizationCode').consume(code)).rejects.toMatchObject({
        code: 'OIDC_ALREADY_CONSUMED',
      })
      // Replaced by an upsert, the entry can be consumed again.
      await store('AuthorizationCode').upsert(code, { jti: code, grantId: 'g' }, 600)
      await store('AuthorizationCode').consume(code)
    })

    it('destroy removes the entry and its indexes, and nothing else', async () => {
      const { store } = await start()
      const [gone, kept, uid] = [id(), id(), id()]
      await store('Session').upsert(gone, { jti: gone, uid }, 3600)
      await store('Session').upsert(kept, { jti: kept, uid: id() }, 3600)
      await store('Session').destroy(gone)
      expect(await store('Session').find(gone)).toBeUndefined()
      expect(await store('Session').findByUid(uid)).toBeUndefined()
      expect(await store('Session').find(kept)).toMatchObject({ jti: kept })
      await store('Session').destroy(id())
    })

    it('revokeByGrantId destroys every model of the grant and keeps other grants and models', async () => {
      const { store } = await start()
      const [grant, other] = [id(), id()]
      const [access, refresh, code, otherRefresh, interaction] = [id(), id(), id(), id(), id()]
      await store('AccessToken').upsert(access, { jti: access, grantId: grant }, 3600)
      await store('RefreshToken').upsert(refresh, { jti: refresh, grantId: grant }, 86_400)
      await store('AuthorizationCode').upsert(code, { jti: code, grantId: grant }, 60)
      await store('RefreshToken').upsert(otherRefresh, { jti: otherRefresh, grantId: other }, 86_400)
      await store('Interaction').upsert(interaction, { jti: interaction, grantId: grant }, 3600)
      await store('RefreshToken').revokeByGrantId(grant)
      expect(await store('AccessToken').find(access)).toBeUndefined()
      expect(await store('RefreshToken').find(refresh)).toBeUndefined()
      expect(await store('AuthorizationCode').find(code)).toBeUndefined()
      expect(await store('RefreshToken').find(otherRefresh)).toMatchObject({ grantId: other })
      expect(await store('Interaction').find(interaction)).toMatchObject({ grantId: grant })
      await store('AccessToken').revokeByGrantId(id())
    })

    it('findByUid finds a session by its uid, in its own model only', async () => {
      const { store } = await start()
      const [session, uid] = [id(), id()]
      await store('Session').upsert(session, { jti: session, uid, accountId: 'user:1' }, 3600)
      expect(await store('Session').findByUid(uid)).toEqual({ jti: session, uid, accountId: 'user:1' })
      expect(await store('Interaction').findByUid(uid)).toBeUndefined()
      expect(await store('Session').findByUid(id())).toBeUndefined()
    })

    it('findByUserCode finds a device code by its user code, in its own model only', async () => {
      const { store } = await start()
      const [device, userCode] = [id(), `ABCD-${id()}`]
      await store('DeviceCode').upsert(device, { jti: device, userCode, grantId: 'g' }, 600)
      expect(await store('DeviceCode').findByUserCode(userCode)).toMatchObject({ jti: device, userCode })
      expect(await store('Session').findByUserCode(userCode)).toBeUndefined()
      expect(await store('DeviceCode').findByUserCode(id())).toBeUndefined()
    })

    it('an upsert replaces the entry whole: its payload, its consumed mark and its indexes', async () => {
      const { store } = await start()
      const [session, oldUid, newUid] = [id(), id(), id()]
      await store('Session').upsert(session, { jti: session, uid: oldUid, n: 1 }, 3600)
      await store('Session').upsert(session, { jti: session, uid: newUid }, 3600)
      expect(await store('Session').findByUid(oldUid)).toBeUndefined()
      expect(await store('Session').findByUid(newUid)).toEqual({ jti: session, uid: newUid })

      const [token, oldGrant, newGrant] = [id(), id(), id()]
      await store('RefreshToken').upsert(token, { jti: token, grantId: oldGrant }, 3600)
      await store('RefreshToken').consume(token)
      const replaced: Payload = { jti: token, grantId: newGrant }
      await store('RefreshToken').upsert(token, replaced, 3600)
      expect(await store('RefreshToken').find(token)).toEqual(replaced)
      await store('RefreshToken').revokeByGrantId(oldGrant)
      expect(await store('RefreshToken').find(token)).toEqual(replaced)
      await store('RefreshToken').revokeByGrantId(newGrant)
      expect(await store('RefreshToken').find(token)).toBeUndefined()
    })
  })
}

import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { verifyChain } from '../../../infra/event-store/chain-verify.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { ObjectStore } from '../../../infra/ports/object-store.ts'
import { createS3ObjectStore, s3OptionsOf } from '../../../infra/s3/object-store.ts'
import { anchorKey, jwksKey, signAnchor, writeAnchor } from '../../../projections/audit-anchor/anchor.ts'
import { addAnchorKey, loadAnchorKeys, newAnchorKey } from '../../../projections/audit-anchor/keys.ts'
import { verifyAnchors } from '../../../projections/audit-anchor/verify-anchors.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'

// Signed anchors of the chain head on the real PostgreSQL and S3 server of `make services`: a
// wholesale rewrite (an event altered, every later hash recomputed) passes the plain chain check
// and fails the anchor check at each anchored position after it.

let db: Database
let dispose: () => Promise<void>
let store: ObjectStore
// A prefix of its own: the bucket is shared with other tests and earlier runs.
const prefix = `anchors-test/${randomUUID()}/`
const now = () => new Date('2026-11-27T00:00:00Z')
const keyring = parseKeyring(newKeyringText('k1'))

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('anchor')())
  store = createS3ObjectStore(s3OptionsOf(loadConfig()))
})
afterAll(async () => {
  await store?.close()
  await dispose?.()
})

const STREAMS = ['a', 'b', 'c', 'd', 'e']

/**
 * Chains the events at or after `from` in the projection's own transaction, as the subscription
 * would. Read by stream: readAll would wait for the shared server's older transactions.
 */
async function chainFrom(from: bigint): Promise<void> {
  const events = (await Promise.all(STREAMS.map((s) => createEventStore(db).readStream(s))))
    .flat()
    .filter((e) => e.global_position >= from)
    .sort((x, y) => (x.global_position < y.global_position ? -1 : 1))
  await db.transaction((tx) => eventChainProjection.handle(events, tx))
}

async function appendAndChain(streams: string[]) {
  const events = createEventStore(db)
  let from: bigint | undefined
  for (const stream of streams) {
    const { positions } = await events.append(stream, [newEvent(), newEvent()], -1)
    from ??= positions[0]
  }
  await chainFrom(from!)
}

async function positions(): Promise<string[]> {
  const { rows } = await db.query<{ p: string }>('SELECT global_position::text AS p FROM events ORDER BY 1')
  return rows.map((r) => r.p)
}

describe('signed chain anchors', () => {
  it('signs the chain head with a sealed Ed25519 key, verifiable with the published JWKS alone', async () => {
    const box = createSecretBox(db, keyring)
    const [key] = await loadAnchorKeys(db, box)
    expect((await loadAnchorKeys(db, box)).map((k) => k.kid)).toEqual([key!.kid]) // generated once
    const { rows } = await db.query<{ sealed: unknown }>('SELECT sealed FROM audit_anchor_keys')
    expect(JSON.stringify(rows)).not.toContain(key!.d) // stored sealed, never in clear

    expect(await writeAnchor({ db, store, keys: [key!], now, prefix })).toBeNull() // nothing chained
    await appendAndChain(['a', 'b'])
    const anchor = await writeAnchor({ db, store, keys: [key!], now, prefix })
    const head = (await positions()).at(-1)!
    expect(anchor).toMatchObject({ global_position: head, key: anchorKey(prefix, head), written: true })

    // What an auditor does with jose and the two objects, without this codebase's keys.
    const jwks = JSON.parse((await store.get(jwksKey(prefix)))!.toString())
    expect(jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: key!.x, kid: key!.kid, alg: 'EdDSA', use: 'sig' },
    ])
    const jws = (await store.get(anchorKey(prefix, head)))!.toString()
    const { payload } = await compactVerify(jws, createLocalJWKSet(jwks))
    const { rows: chain } = await db.query<{ hash: string }>(
      `SELECT encode(hash, 'hex') AS hash FROM event_chain WHERE global_position = $1`,
      [head],
    )
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      v: 1,
      global_position: head,
      hash: chain[0]!.hash,
      at: '2026-11-27T00:00:00.000Z',
    })
    expect(await verifyAnchors(db, store, prefix)).toEqual({ ok: true, checked: 1, failures: [] })
  })

  it('names every anchored position after an event rewritten and re-chained, which the plain chain check passes', async () => {
    const box = createSecretBox(db, keyring)
    const keys = await loadAnchorKeys(db, box)
    await appendAndChain(['c', 'd'])
    const second = await writeAnchor({ db, store, keys, now, prefix })
    const all = await positions()
    const first = all[1]! // inside the first anchor's range

    // The rewrite: one event altered, its chain row and every later one recomputed by the
    // chain's own code from the position before it, as an attacker with the database would.
    await db.query(`UPDATE events SET data = '{"forged": true}' WHERE global_position = $1`, [first])
    await db.query('DELETE FROM event_chain WHERE global_position >= $1', [first])
    await chainFrom(BigInt(first))

    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: all.length })
    // Anchoring the unmoved head again does not sign the rewritten hash over the evidence.
    expect(await writeAnchor({ db, store, keys, now, prefix })).toMatchObject({ written: false })
    const report = await verifyAnchors(db, store, prefix)
    expect(report.ok).toBe(false)
    expect(report.checked).toBe(2)
    expect(report.failures.map((f) => [f.global_position, f.reason])).toEqual([
      [all[3], 'chain hash differs from the anchored hash'],
      [second!.global_position, 'chain hash differs from the anchored hash'],
    ])
  })

  it('refuses an anchor signed by a key the JWKS does not publish, or altered after signing', async () => {
    const forgedPrefix = `anchors-test/${randomUUID()}/`
    const [key] = await loadAnchorKeys(db, createSecretBox(db, keyring))
    const [, , , , at] = await positions()
    const { rows } = await db.query<{ hash: string }>(
      `SELECT encode(hash, 'hex') AS hash FROM event_chain WHERE global_position = $1`,
      [at],
    )
    const payload = { v: 1 as const, global_position: at!, hash: rows[0]!.hash, at: now().toISOString() }
    await writeAnchor({ db, store, keys: [key!], now, prefix: forgedPrefix }) // publishes the JWKS
    await store.put(
      anchorKey(forgedPrefix, at!),
      await signAnchor(newAnchorKey(), payload),
      'application/jose',
    )
    const [h, p, s] = (await signAnchor(key!, { ...payload, hash: '0'.repeat(64) })).split('.')
    const altered = Buffer.from(JSON.stringify(payload)).toString('base64url')
    await store.put(anchorKey(forgedPrefix, '1'), [h, altered, s].join('.'), 'application/jose')
    expect(p).not.toBe(altered)

    const report = await verifyAnchors(db, store, forgedPrefix)
    expect(report.failures.map((f) => [f.key, f.reason.split(':')[0]])).toEqual([
      [anchorKey(forgedPrefix, '1'), 'signature does not verify'],
      [anchorKey(forgedPrefix, at!), 'signature does not verify'],
    ])
    expect(report.checked).toBe(3) // and the head anchored by writeAnchor verifies
  })

  it('verifies with openssl and jq alone, by the script of docs/audit.md, and refuses an altered anchor', async () => {
    const keys = await loadAnchorKeys(db, createSecretBox(db, keyring))
    const own = `anchors-test/${randomUUID()}/`
    const anchor = await writeAnchor({ db, store, keys, now, prefix: own })
    const dir = await mkdtemp(join(tmpdir(), 'anchor-'))
    try {
      const jws = (await store.get(anchor!.key))!.toString()
      await writeFile(join(dir, 'jwks.json'), (await store.get(jwksKey(own)))!)
      await writeFile(join(dir, 'good.jws'), jws)
      const [h, , sig] = jws.split('.')
      const { v, global_position, at } = anchor!
      const forged = Buffer.from(JSON.stringify({ v, global_position, hash: '0'.repeat(64), at }))
      await writeFile(join(dir, 'bad.jws'), [h, forged.toString('base64url'), sig].join('.'))
      const script = new URL('../../../docs/audit/verify_anchor.sh', import.meta.url).pathname
      const run = (name: string) => spawnSync('bash', [script, join(dir, name), join(dir, 'jwks.json')])

      const good = run('good.jws')
      expect(good.status, good.stderr.toString()).toBe(0)
      expect(JSON.parse(good.stdout.toString())).toEqual({
        v: 1,
        global_position: anchor!.global_position,
        hash: anchor!.hash,
        at: anchor!.at,
      })
      expect(run('bad.jws').status).not.toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('keeps older anchors verifiable after the key is rotated: the JWKS lists every key', async () => {
    const box = createSecretBox(db, keyring)
    const own = `anchors-test/${randomUUID()}/`
    const [old] = await loadAnchorKeys(db, box)
    const before = await writeAnchor({ db, store, keys: [old!], now, prefix: own })
    const added = await addAnchorKey(db, box)
    const keys = await loadAnchorKeys(db, box)
    expect(keys.map((k) => k.kid)).toEqual([added.kid, old!.kid]) // the newest signs
    await appendAndChain(['e'])
    const after = await writeAnchor({ db, store, keys, now, prefix: own })

    const kid = async (key: string) =>
      JSON.parse(Buffer.from((await store.get(key))!.toString().split('.')[0]!, 'base64url').toString()).kid
    expect([await kid(before!.key), await kid(after!.key)]).toEqual([old!.kid, added.kid])
    expect(await verifyAnchors(db, store, own)).toEqual({ ok: true, checked: 2, failures: [] })
  })
})

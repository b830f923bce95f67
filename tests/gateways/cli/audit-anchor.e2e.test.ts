import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newKeyringText } from '../../../infra/crypto/keyring.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { anchorKey } from '../../../projections/audit-anchor/anchor.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { cliOnSchema } from '../../support/cli-on-schema.ts'

// `aiaas audit anchor` and `aiaas audit verify-anchors` as an operator and an auditor run them, on
// the real PostgreSQL and S3 server: an anchor holds on the intact log; after one event is
// rewritten and every later hash recomputed, `verify` passes and `verify-anchors` names the
// anchored position.
const cli = cliOnSchema('auditanchor')
const env = {
  AIAAS_KEK: newKeyringText('k1'),
  // A prefix of its own: the bucket is shared with other tests and earlier runs.
  AIAAS_AUDIT_ANCHOR_PREFIX: `anchors-e2e/${randomUUID()}/`,
}
const aiaas = (...args: string[]) => cli.aiaas(['audit', ...args], env)

/** Chains the events at or after `from` in the projection's own transaction, as the subscription would. */
async function chainFrom(from: bigint) {
  const store = createEventStore(cli.db())
  const events = (await Promise.all(['a', 'b', 'c'].map((s) => store.readStream(s))))
    .flat()
    .filter((e) => e.global_position >= from)
    .sort((x, y) => (x.global_position < y.global_position ? -1 : 1))
  await cli.db().transaction((tx) => eventChainProjection.handle(events, tx))
  return events
}

describe('aiaas audit anchor, verify-anchors', () => {
  it('anchors the chain head; after a rewrite and re-chain, verify passes and verify-anchors names the position', async () => {
    const store = createEventStore(cli.db())
    for (const stream of ['a', 'b', 'c']) await store.append(stream, [newEvent(), newEvent()], -1)
    const events = await chainFrom(0n)
    const head = String(events.at(-1)!.global_position)

    const anchored = await aiaas('anchor')
    expect(anchored.code).toBe(0)
    expect(anchored.output).toMatch(new RegExp(`^anchored position ${head} \\(hash [0-9a-f]{64}\\): `))
    expect(await aiaas('verify-anchors')).toEqual({
      code: 0,
      output: 'chain intact: 6 events checked\n1 of 1 anchors hold\n',
    })

    const target = events[2]!.global_position
    await cli.db().query(`UPDATE events SET data = '{"forged": true}' WHERE global_position = $1`, [target])
    await cli.db().query('DELETE FROM event_chain WHERE global_position >= $1', [target])
    await chainFrom(target)

    expect((await aiaas('verify')).code).toBe(0) // the rewrite is consistent: the plain chain holds
    // The head has not moved: anchoring again keeps the anchor that catches the rewrite.
    expect((await aiaas('anchor')).output).toContain(`position ${head} is anchored already`)
    const caught = await aiaas('verify-anchors')
    expect(caught.code).toBe(1)
    expect(caught.output).toContain('chain intact: 6 events checked\n')
    expect(caught.output).toContain(
      `anchor ${anchorKey(env.AIAAS_AUDIT_ANCHOR_PREFIX, head)} (position ${head}): chain hash differs from the anchored hash`,
    )
    expect(caught.output).toContain('0 of 1 anchors hold')
  })

  it('rotates the anchor key: the next anchor is signed with the new key, the older ones still hold', async () => {
    const rotated = await aiaas('rotate-anchor-key')
    expect(rotated.code).toBe(0)
    const kid = /^added anchor key ([0-9a-f-]{36});/.exec(rotated.output)?.[1]
    expect(kid).toBeDefined()
    await createEventStore(cli.db()).append('d', [newEvent()], -1)
    const [event] = await createEventStore(cli.db()).readStream('d')
    await cli.db().transaction((tx) => eventChainProjection.handle([event!], tx))

    expect((await aiaas('anchor')).code).toBe(0)
    const { rows } = await cli.db().query<{ kid: string }>('SELECT kid FROM audit_anchor_keys')
    expect(rows.map((r) => r.kid)).toContain(kid)
    const verified = await aiaas('verify-anchors')
    // The first test's anchor still names its rewrite; the new one, by the new key, holds.
    expect(verified.output).toContain('1 of 2 anchors hold')
    expect(verified.output).not.toContain('signature does not verify')
  })

  it('refuses to anchor without AIAAS_KEK: the signing key is in the secrets store', async () => {
    const refused = await cli.aiaas(['audit', 'anchor'], { ...env, AIAAS_KEK: '' })
    expect(refused.code).not.toBe(0)
    expect(refused.output).toContain('AIAAS_KEK')
  })
})

import { v7 } from 'uuid'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startChangeFeed } from '../../../projections/router/change-feed.ts'
import type { Touched } from '../../../projections/router/touched.ts'
import { startReadModels, testContext } from '../../support/read-models.ts'

// The change feed on PGlite: it follows the read-models checkpoint (never the head of the log),
// hands each batch's touched entries to apply, and moves its position only once apply succeeded.

const event = (type: string, data: Record<string, unknown>) => ({
  id: v7(),
  type,
  schema_version: 1,
  data,
  metadata: testContext,
})

async function feedOn() {
  const { db, store, projector } = await startReadModels()
  const applied: { touched: Touched; upTo: bigint }[] = []
  let failNext = false
  const feed = startChangeFeed({
    db,
    position: null,
    pollMs: 60_000,
    async apply(touched, upTo) {
      if (failNext) {
        failNext = false
        throw new Error('read models unreachable')
      }
      applied.push({ touched, upTo })
    },
  })
  onTestFinished(() => feed.close())
  const failOnce = () => {
    failNext = true
  }
  return { db, store, projector, feed, applied, failOnce }
}

describe('the router change feed', () => {
  it('starts at the checkpoint, then applies what each projected batch touched', async () => {
    const { store, projector, feed, applied } = await feedOn()
    await feed.wake()
    expect(feed.position()).toBe(0n)
    const { positions } = await store.append(
      'audit-o1',
      [event('NoteTaken', { organization_id: 'o1' })],
      'any',
    )
    await feed.wake()
    // Appended but not projected: the read models do not hold it yet, so nothing is applied.
    expect(applied).toHaveLength(1)
    await projector.catchUp()
    await feed.wake()
    expect(applied).toHaveLength(2)
    expect(applied[1]?.touched.organizations).toEqual(new Set(['o1']))
    expect(applied[1]?.upTo).toBe(positions[0])
    expect(feed.position()).toBe(positions[0])
  })

  it('keeps its position when apply fails, and applies the same batch on the next pass', async () => {
    const { store, projector, feed, applied, failOnce } = await feedOn()
    await feed.wake()
    const before = feed.position()
    await store.append('model-m1', [event('NoteTaken', { name: 'm1' })], 'any')
    await projector.catchUp()
    failOnce()
    await expect(feed.wake()).rejects.toThrow('read models unreachable')
    expect(feed.position()).toBe(before)
    await feed.wake()
    expect(applied.at(-1)?.touched.models).toEqual(new Set(['m1']))
  })

  it('re-reads everything once a checkpoint moved backwards is past its position again', async () => {
    const { db, store, projector, feed, applied } = await feedOn()
    await store.append('audit-o3', [event('NoteTaken', { organization_id: 'o3' })], 'any')
    await projector.catchUp()
    await feed.wake()
    const at = feed.position() ?? 0n
    await db.query("UPDATE subscription_checkpoints SET position = 0 WHERE name = 'read-models'")
    const before = applied.length
    await feed.wake()
    expect(applied).toHaveLength(before)
    await db.query("UPDATE subscription_checkpoints SET position = $1 WHERE name = 'read-models'", [
      String(at),
    ])
    await feed.wake()
    expect(applied.at(-1)?.touched).toMatchObject({ allKeys: true, allModels: true })
    expect(applied.at(-1)?.upTo).toBe(at)
  })

  it('runs one pass at a time: twenty concurrent wake-ups apply a batch once', async () => {
    const { store, projector, feed, applied } = await feedOn()
    await feed.wake()
    await store.append('audit-o2', [event('NoteTaken', { organization_id: 'o2' })], 'any')
    await projector.catchUp()
    await Promise.all(Array.from({ length: 20 }, () => feed.wake()))
    expect(applied.filter((a) => a.touched.organizations.has('o2'))).toHaveLength(1)
  })
})

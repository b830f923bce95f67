import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { emptyRedisDatabase, type OwnRedis } from '../../support/redis-database.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../../support/separate-platform.ts'
import { createOrgAndKey, json } from '../../support/walkthrough.ts'

// The spend ledger marks in Redis the log position of the last change to budgets and limits, and
// a router that has not caught up with it refreshes before admitting. A Redis that outlives its
// event store (a database restored from a backup, a rebuilt platform, a Redis shared by mistake)
// can hold a mark past the end of the log: no refresh reaches it. Before, every admission was
// then refused with 503 for good; now the router sees the mark is beyond its log and goes on.

describe('a spend ledger whose change mark is past the end of the event log', () => {
  const queue = `aiaas.usage.ledger-ahead.${randomBytes(4).toString('hex')}`
  let redis: OwnRedis | undefined
  let platform: SeparatePlatform | undefined

  afterAll(async () => {
    await platform?.stop()
    await redis?.release()
    await deleteUsageQueues(queue)
  })

  it('does not stop a router on this log from admitting requests', async () => {
    redis = await emptyRedisDatabase(loadConfig().AIAAS_REDIS_URL)
    const planted = new Redis(redis.url)
    // Far past any position this PostgreSQL will reach (positions are transaction ids << 16).
    await planted.set('aiaas:spend:changes', String(2n ** 62n))
    await planted.quit()
    platform = await startSeparatePlatform({
      name: 'ledger_ahead',
      commands: ['projector', 'identity', 'mock-model', 'router'],
      env: { AIAAS_REDIS_URL: redis.url, AIAAS_USAGE_QUEUE: queue },
    })
    const router = platform.url('router')
    const { key } = await createOrgAndKey({
      admin: platform.url('identity'),
      router,
      analytics: '',
      adminToken: platform.adminToken,
    })
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${router}/v1/chat/completions`, {
        method: 'POST',
        headers: json(key),
        body: JSON.stringify({ model: 'echo', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(response.status, await response.text()).toBe(200)
    }
  }, 120_000)
})

import type { FastifyInstance } from 'fastify'
import { Gauge } from 'prom-client'
import type { Database } from '../../infra/ports/database.ts'
import { listen } from '../../infra/postgres/listen.ts'
import { findApiKeyByHash } from '../../projections/api-keys/key-lookup.ts'
import { READ_MODELS_CHANNEL } from '../../projections/read-models.ts'
import { type ReplicaCopy, type RouterReplica, startRouterReplica } from '../router/replica.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'
import { throttled } from './throttled-log.ts'

/** How often a failure that repeats on every poll is logged. */
export const ERROR_LOG_MS = 10_000

/**
 * The router's replica of the read models as adapter `replica`: its key cache and catalogue kept
 * fresh by the change feed, woken by NOTIFY when `listenUrl` is a PostgreSQL URL (a separate
 * router) and by its poll of the checkpoint otherwise (embedded mode wakes it in-process).
 */
export function openRouterReplica(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  options: {
    db: Database
    catalogue: { refresh(): Promise<void> }
    listenUrl?: string
    copy?: ReplicaCopy
  },
) {
  // A pass fails every 250 ms while PostgreSQL is down: said once per ERROR_LOG_MS, not each time.
  const warn = throttled(ERROR_LOG_MS, (error: unknown) =>
    rt.log.warn({ err: error }, 'router change feed: a pass failed; the caches keep what they have'),
  )
  const onError = (error: unknown) => warn('pass', error)
  return openAdapter(app, 'replica', () => {
    const { db, catalogue, copy } = options
    const replica = startRouterReplica({
      db,
      find: (hash) => findApiKeyByHash(db, hash),
      catalogue,
      ...(copy ? { copy } : {}),
      onError,
    })
    const wake = () => {
      replica.feed.wake().catch(onError)
    }
    observe(rt, replica)
    const listener = options.listenUrl ? listen(options.listenUrl, READ_MODELS_CHANNEL, wake, onError) : null
    return {
      ...replica,
      async close() {
        await listener?.close()
        await replica.close()
      },
    }
  })
}

/**
 * Two gauges for operators (and tests, which cannot see inside a process): how many keys this
 * router holds, and whether its change feed has a position — until it has, keys looked up are
 * answered but not kept, so neither the cache nor the local copy holds them yet.
 */
function observe(rt: Runtime, replica: RouterReplica): void {
  const registers = [rt.metrics.registry]
  new Gauge({
    name: 'aiaas_router_keys_cached',
    help: 'API keys this router holds (in memory and in its local copy)',
    // A clustered router's workers each hold their own: the fullest one, not their sum.
    aggregator: 'max',
    registers,
    collect() {
      this.set(replica.keys.size())
    },
  })
  new Gauge({
    name: 'aiaas_router_change_feed_synced',
    help: '1 once the change feed has a position (keys looked up are kept from then on), else 0',
    aggregator: 'min',
    registers,
    collect() {
      this.set(replica.feed.position() === null ? 0 : 1)
    },
  })
}

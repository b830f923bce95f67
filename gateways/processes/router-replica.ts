import type { FastifyInstance } from 'fastify'
import type { Database } from '../../infra/ports/database.ts'
import { listen } from '../../infra/postgres/listen.ts'
import { findApiKeyByHash } from '../../projections/api-keys/key-lookup.ts'
import { READ_MODELS_CHANNEL } from '../../projections/read-models.ts'
import { type ReplicaCopy, startRouterReplica } from '../router/replica.ts'
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

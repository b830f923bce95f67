import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../infra/config/config.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'

/** Anything a process opens and must close: a pool, a client, a consumer, a subscription. */
export interface Closable {
  close(): Promise<void>
}

/**
 * Opens an adapter as a named plugin, fastify/demo's pattern: decorated on `app` under `name`
 * (a second adapter of the same name fails the start) and closed by `app.close()` in an onClose
 * hook. Adapters open in the order they are registered and close in reverse, once the server has
 * stopped taking requests and finished the ones in flight, so start-up and shutdown order follow
 * the plugin tree instead of a hand-kept list. `dependencies` names adapters that must be open.
 */
export async function openAdapter<T extends Closable>(
  app: Pick<FastifyInstance, 'register'>,
  name: string,
  open: () => T | Promise<T>,
  dependencies: readonly string[] = [],
): Promise<T> {
  const opened: T[] = []
  const plugin = fp(
    async (instance: FastifyInstance) => {
      const adapter = await open()
      instance.decorate<Closable>(name, adapter)
      instance.addHook('onClose', async () => {
        await adapter.close()
      })
      opened.push(adapter)
    },
    { name, dependencies: [...dependencies] },
  )
  await app.register(plugin)
  const [adapter] = opened
  if (adapter === undefined) throw new Error(`adapter ${name} did not open`)
  return adapter
}

/** A subscription as an adapter: closing it stops it (the batch in progress commits first). */
export function stoppable<T extends { stop(): Promise<void> }>(subscription: T) {
  return { subscription, close: () => subscription.stop() }
}

/** The PostgreSQL pool of a separate process, as adapter `db`. */
export function openPostgres(app: Pick<FastifyInstance, 'register'>, config: Config) {
  return openAdapter(app, 'db', () => createPostgresDatabase(config.AIAAS_DATABASE_URL))
}

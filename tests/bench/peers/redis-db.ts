import { Redis } from 'ioredis'

// The production router of `make bench-peers` gets a Redis database of its own. Its spend ledger
// keeps one key shared by every router of a Redis database, the position of the last change to
// budgets and limits, and refuses requests while its read models are behind that position; this
// run's event store is new, so its positions are far behind those other runs on the shared Redis
// left there, and every admission would be refused as stale. An empty numbered database is taken
// (the default 0 is left alone) and emptied again at the end.

export interface BenchRedis {
  url: string
  release: () => Promise<void>
}

export async function emptyRedisDatabase(baseUrl: string): Promise<BenchRedis> {
  for (let db = 15; db >= 1; db--) {
    const url = Object.assign(new URL(baseUrl), { pathname: `/${db}` }).toString()
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await client.connect()
    // Claimed with a marker so that two runs starting together do not pick the same one.
    const claimed =
      (await client.dbsize()) === 0 && (await client.set('aiaas:bench-peers', '1', 'NX')) === 'OK'
    if (claimed)
      return {
        url,
        release: async () => {
          await client.flushdb()
          await client.quit()
        },
      }
    await client.quit()
  }
  throw new Error('no empty Redis database among 1-15 for the production router')
}

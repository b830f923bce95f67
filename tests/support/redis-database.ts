import { Redis } from 'ioredis'

// A Redis database of its own for a platform whose Redis state must not be shared (the production
// router of `make bench-peers`, a test that plants a spend-ledger change mark): an empty numbered
// database is taken (the default 0 is left alone) and emptied again at the end.

export interface OwnRedis {
  url: string
  release: () => Promise<void>
}

export async function emptyRedisDatabase(baseUrl: string): Promise<OwnRedis> {
  for (let db = 15; db >= 1; db--) {
    const url = Object.assign(new URL(baseUrl), { pathname: `/${db}` }).toString()
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await client.connect()
    // Claimed with a marker so that two runs starting together do not pick the same one.
    const claimed = (await client.dbsize()) === 0 && (await client.set('aiaas:claimed', '1', 'NX')) === 'OK'
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
  throw new Error('no empty Redis database among 1-15')
}

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import { listen } from '../../../infra/postgres/listen.ts'
import { eventually } from '../../support/processes.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import { databaseUrl } from './fresh-schema.ts'

// LISTEN on its own connection, through a TCP proxy that cuts it: the listener reconnects (with
// back-off) and hears notifications again, and says it reconnected (payload undefined) so its
// owner looks for what it may have missed.

async function notifier() {
  const client = new pg.Client({ connectionString: databaseUrl() })
  await client.connect()
  onTestFinished(() => client.end())
  return (channel: string, payload: string) => client.query('SELECT pg_notify($1, $2)', [channel, payload])
}

describe('listen', () => {
  it('hears notifications, and hears them again after its connection is cut', async () => {
    const url = new URL(databaseUrl())
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432))
    onTestFinished(() => proxy.stop())
    const channel = `test_${randomBytes(4).toString('hex')}`
    const heard: (string | undefined)[] = []
    const listener = listen(Object.assign(url, { port: String(proxy.port) }).toString(), channel, (payload) =>
      heard.push(payload),
    )
    onTestFinished(() => listener.close())
    await listener.ready
    const notify = await notifier()
    await notify(channel, 'before')
    await eventually(
      async () => heard,
      (h) => h.includes('before'),
      5_000,
    )

    proxy.cut()
    // Sent until one arrives: those sent before the listener is back are lost, as documented.
    await eventually(
      async () => {
        await notify(channel, 'after')
        return heard
      },
      (h) => h.includes('after'),
      10_000,
    )
    const cutAt = heard.indexOf('before')
    expect(heard.slice(cutAt + 1)).toContain(undefined)
  })
})

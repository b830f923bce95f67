import { describe, expect, it, vi } from 'vitest'
import { openAdapter } from '../../../gateways/processes/adapter.ts'
import { createRuntime, serveApi } from '../../../gateways/processes/runtime.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { freePort } from '../../support/processes.ts'

// serveApi on a real port: shutdown order follows the plugin tree.
const runtime = () => createRuntime(loadConfig({ AIAAS_LOG_LEVEL: 'silent' }), 'test')

describe('serveApi', () => {
  it('lets a request in flight finish before it closes the adapters the request uses', async () => {
    const log: string[] = []
    let arrived: () => void = () => {}
    const inFlight = new Promise<void>((resolve) => {
      arrived = resolve
    })
    let release: () => void = () => {}
    const running = await serveApi(runtime(), 0, async (app) => {
      const db = await openAdapter(app, 'db', () => ({
        open: true,
        close: async () => {
          log.push('db closed')
        },
      }))
      app.get('/slow', async () => {
        arrived()
        await new Promise<void>((resolve) => {
          release = resolve
        })
        log.push(`answered with db open: ${db.open && !log.includes('db closed')}`)
        return { ok: true }
      })
    })
    const response = fetch(`${running.url}/slow`)
    await inFlight
    const stopped = running.stop()
    release()
    expect((await response).status).toBe(200)
    await stopped
    expect(log).toEqual(['answered with db open: true', 'db closed'])
  })

  it('stops under load without waiting out the keep-alive connections the load leaves idle', async () => {
    const running = await serveApi(runtime(), 0, async (app) => {
      app.post('/fast', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        return { ok: true }
      })
    })
    // Callers that keep their connections alive and leave a server at its first refusal, as a load
    // balancer does; each connection then sits idle, open, until the server closes it. Requests with
    // a body and a few ms of work, as the router's: a connection busy when close began, and idle
    // after, was left open (a SIGTERMed router took ~70 s to exit in usage-durability.e2e).
    let answered = 0
    let stopping = false
    const caller = async () => {
      for (;;) {
        const response = await fetch(`${running.url}/fast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'x'.repeat(4000) }),
        }).catch(() => undefined)
        await response?.arrayBuffer()
        if (response?.status !== 200 && stopping) return
        answered++
      }
    }
    const callers = Array.from({ length: 12 }, caller)
    await vi.waitFor(() => expect(answered).toBeGreaterThan(200), { timeout: 20_000 })
    stopping = true
    // Fastify keeps an idle keep-alive connection 72 s: the test's 60 s bound fails a stop that waits.
    await running.stop()
    await Promise.all(callers)
  })

  it('closes what it opened when the start fails, here on a port already taken', async () => {
    const closed: string[] = []
    const taken = await serveApi(runtime(), await freePort(), async () => {})
    const port = Number(new URL(taken.url).port)
    const start = serveApi(runtime(), port, async (app) => {
      await openAdapter(app, 'db', () => ({ close: async () => void closed.push('db') }))
      await openAdapter(app, 'limiter', () => ({ close: async () => void closed.push('limiter') }))
    })
    await expect(start).rejects.toThrow(/EADDRINUSE|address already in use/)
    expect(closed).toEqual(['limiter', 'db'])
    await taken.stop()
  })
})

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'

const DESTINATION = fileURLToPath(new URL('../../../gateways/http/log-destination.ts', import.meta.url))

describe('request logs', () => {
  it('log each request once, when it ends, with its method, URL, status and duration', async () => {
    const lines: string[] = []
    const app = createServer({
      logLevel: 'info',
      metrics: createMetrics('test'),
      logStream: { write: (line) => lines.push(line) },
    })
    app.get('/hello', async () => ({ hello: 'world' }))
    await app.inject({ method: 'GET', url: '/hello', headers: { 'x-request-id': 'req-1' } })
    await app.close()
    const logged = lines.map((line) => JSON.parse(line)).filter((line) => line.reqId === 'req-1')
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/hello' },
      res: { statusCode: 200 },
    })
    expect(logged[0].responseTime).toBeGreaterThanOrEqual(0)
  })

  it('reach stdout when the process exits right after writing them, though buffered', () => {
    // process.exit() at once: the buffered writer's 100 ms flush never comes; pino's exit hook does.
    const script = `
      import { pino } from 'pino'
      import { logDestination } from ${JSON.stringify(DESTINATION)}
      const log = pino({ level: 'info' }, logDestination())
      for (let i = 0; i < 3; i++) log.info({ i }, 'line')
      process.exit(0)
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(child.status).toBe(0)
    const lines = child.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((line) => line.i)).toEqual([0, 1, 2])
  })
})

import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveMockModelOnSocket } from '../../../gateways/mock-model/socket.ts'

// Embedded mode's echo backend listens on a Unix socket only this user can open, not on a port.
let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aiaas-mock-socket-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

const options = () => ({ dataDir, logLevel: 'silent', now: () => new Date(0), newId: () => 'id' })

describe('the echo backend on a Unix socket', () => {
  it('is a 0600 socket in a 0700 directory of the data dir, and answers over it', async () => {
    // A socket file left by a killed process must not stop the next start.
    const stale = join(dataDir, 'run', 'mock-model.sock')
    await rm(join(dataDir, 'run'), { recursive: true, force: true })
    await mkdir(dirname(stale), { recursive: true })
    await writeFile(stale, '')
    const mock = await serveMockModelOnSocket(options())
    try {
      expect(mock.socketPath).toBe(stale)
      expect((await stat(mock.socketPath)).mode & 0o777).toBe(0o600)
      expect((await stat(dirname(mock.socketPath))).mode & 0o777).toBe(0o700)
      const agent = new Agent({ connect: { socketPath: mock.socketPath } })
      const response = await request(`${mock.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'over the socket' }] }),
        dispatcher: agent,
      })
      expect(response.statusCode).toBe(200)
      expect(await response.body.json()).toMatchObject({
        choices: [{ message: { content: 'over the socket' } }],
      })
      await agent.close()
    } finally {
      await mock.close()
    }
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { postToBackend } from '../../../gateways/router/backend.ts'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { backendOn } from './routing-router.ts'

// The backend call as routing makes it: each backend's dispatcher is kept by its url and socket,
// and its url's path prefixes every request's path.
let mock: MockBackend | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await mock?.close()
  mock = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const chat = {
  path: '/chat/completions',
  headers: { 'x-credential': 'c' },
  body: { model: 'm', messages: [] },
}
const options = () => ({ silenceMs: 5_000, signal: new AbortController().signal })

/** An HTTP server on a Unix socket answering its own name. */
async function nameServer(dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.sock`)
  const server: Server = createServer((_req, res) => res.end(JSON.stringify({ name })))
  await new Promise<void>((resolve) => server.listen(path, resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return path
}

describe('postToBackend', () => {
  it("sends to the url's path, with or without its trailing slash: the adapter's headers, JSON body", async () => {
    mock = await startMockBackend('b')
    for (const url of [mock.url, `${mock.url}/`]) {
      const response = await postToBackend(backendOn(mock, { url }), chat, options())
      expect(response.status).toBe(200)
      await response.body.dump()
    }
    expect(mock.received.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions'])
    const [first] = mock.received
    expect(first?.headers['x-credential']).toBe('c')
    expect(first?.headers['content-type']).toBe('application/json')
    expect(first?.body).toEqual(chat.body)
  })

  it('two backends with one url on two Unix sockets: each call reaches its own socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiaas-backend-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const sockets = { a: await nameServer(dir, 'a'), b: await nameServer(dir, 'b') }
    const named: unknown[] = []
    for (const name of ['a', 'b', 'a'] as const) {
      const backend = backendOn({ url: 'http://model/v1', name }, { socket_path: sockets[name] })
      const response = await postToBackend(backend, chat, options())
      named.push(await response.body.json())
    }
    expect(named).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'a' }])
  })
})

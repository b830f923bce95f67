import { once } from 'node:events'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SSE_HEADERS, writeChunks } from '../../../gateways/router/sse-reply.ts'

/** A client that takes each write only when the test lets it (its buffer holds one byte). */
class SlowClient extends Writable {
  headers: Record<string, unknown> = {}
  status = 0
  received: string[] = []
  private waiting: Array<() => void> = []
  constructor() {
    super({ highWaterMark: 1, decodeStrings: false })
  }
  setHeader(name: string, value: unknown) {
    this.headers[name] = value
  }
  writeHead(status: number) {
    this.status = status
  }
  override _write(chunk: string, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
    this.received.push(chunk)
    this.waiting.push(() => done())
  }
  /** Takes what was written: the writes' callbacks run, then 'drain'. */
  take() {
    for (const done of this.waiting.splice(0)) done()
  }
}

/** Chunks that count how often the writer pulled them, and whether they were closed. */
function source(chunks: string[]) {
  const seen = { pulled: 0, closed: false }
  async function* generate() {
    try {
      for (const chunk of chunks) {
        seen.pulled++
        yield chunk
      }
    } finally {
      seen.closed = true
    }
  }
  return { chunks: generate(), seen }
}

const waitingForDrain = (client: SlowClient) =>
  new Promise<void>((resolve) => {
    const listener = (event: string | symbol) => {
      if (event !== 'drain') return
      client.off('newListener', listener)
      resolve()
    }
    client.on('newListener', listener)
  })

describe('writeChunks', () => {
  it('writes the headers with a 200, then pulls the next chunk only once the client took the last (back-pressure)', async () => {
    const client = new SlowClient()
    const { chunks, seen } = source(['data: a\n\n', 'data: b\n\n', 'data: [DONE]\n\n'])
    let writes = 0
    const parked = waitingForDrain(client)
    const writing = writeChunks(client, { 'x-request-id': 'r1', ...SSE_HEADERS }, chunks, () => writes++)
    await parked
    // The client has not taken the first chunk: the writer waits for it, pulling nothing more.
    expect(seen.pulled).toBe(1)
    expect(client.received).toEqual(['data: a\n\n'])
    expect(client.status).toBe(200)
    expect(client.headers).toEqual({ 'x-request-id': 'r1', ...SSE_HEADERS })
    for (let taken = 1; taken < 3; taken++) {
      const next = waitingForDrain(client)
      client.take()
      await next
      expect(seen.pulled).toBe(taken + 1)
    }
    client.take()
    await writing
    expect(client.received.join('')).toBe('data: a\n\ndata: b\n\ndata: [DONE]\n\n')
    expect(writes).toBe(3)
  })

  it('stops at a client that leaves while it is being waited for: nothing more pulled, the chunks closed', async () => {
    const client = new SlowClient()
    const { chunks, seen } = source(['data: a\n\n', 'data: b\n\n'])
    const parked = waitingForDrain(client)
    const writing = writeChunks(client, SSE_HEADERS, chunks, () => {})
    await parked
    client.destroy()
    await once(client, 'close')
    await writing
    expect(seen).toEqual({ pulled: 1, closed: true })
    expect(client.received).toEqual(['data: a\n\n'])
  })
})

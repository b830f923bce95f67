import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisClient, type RedisClient } from '../../../infra/redis/client.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const opened: RedisClient[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close()))
})

/** A connected client with nothing in flight. */
async function idleClient(autoPipelining: boolean): Promise<RedisClient> {
  const client = createRedisClient(redisUrl, {
    timeoutMs: 2000,
    unavailableCode: 'TEST_REDIS_UNAVAILABLE',
    what: 'test',
    autoPipelining,
  })
  opened.push(client)
  await client.guarded(() => client.redis.ping())
  return client
}

/** The socket's writes from now on, each as the number of commands it carried. */
function writesOf(stream: Writable): number[] {
  const writes: number[] = []
  const { _write, _writev } = stream
  stream._write = (chunk, encoding, callback) => {
    writes.push(1)
    _write.call(stream, chunk, encoding, callback)
  }
  if (_writev) {
    stream._writev = (chunks, callback) => {
      writes.push(chunks.length)
      _writev.call(stream, chunks, callback)
    }
  }
  return writes
}

// The end of the current turn's microtasks, before the event loop's check phase (setImmediate).
const turnEnd = () => new Promise((resolve) => process.nextTick(resolve))

describe('redis client, auto-pipelined (infra/redis/client.ts)', () => {
  it('writes a lone command at once instead of waiting for the next turn of the event loop', async () => {
    const client = await idleClient(true)
    const writes = writesOf(client.redis.stream)
    const answer = client.guarded(() => client.redis.ping())
    await turnEnd()
    expect(writes).toEqual([1])
    expect(await answer).toBe('PONG')
  })

  it('sends the commands of one turn that follow a written one as one write, each answered its own reply', async () => {
    const client = await idleClient(true)
    const writes = writesOf(client.redis.stream)
    const words = ['first', 'second', 'third', 'fourth']
    const answers = words.map((word) => client.guarded(() => client.redis.echo(word)))
    expect(await Promise.all(answers)).toEqual(words)
    // The first found nothing awaiting a reply and the second opened the turn: both left at once.
    // The two after them in the same turn shared one write, which waited for no reply.
    expect(writes).toEqual([1, 1, 2])
  })

  it('fails the commands of a turn whose connection is lost, then answers once it is made again', async () => {
    const client = await idleClient(true)
    const reconnected = once(client.redis, 'ready')
    const lost = ['x', 'y', 'z'].map((word) => client.guarded(() => client.redis.echo(word)))
    await turnEnd()
    // Two are on the socket, the third still corked: none of them may hang.
    client.redis.stream.destroy()
    for (const answer of await Promise.allSettled(lost)) {
      // Failed with the lost connection (ioredis retries nothing here), not left to the deadline.
      expect(answer).toMatchObject({
        status: 'rejected',
        reason: {
          code: 'TEST_REDIS_UNAVAILABLE',
          details: { reason: expect.stringMatching(/max retries|closed/i) },
        },
      })
    }
    await reconnected
    const answers = ['a', 'b', 'c'].map((word) => client.guarded(() => client.redis.echo(word)))
    expect(await Promise.all(answers)).toEqual(['a', 'b', 'c'])
  })
})

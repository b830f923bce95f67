import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChannelModel, connect } from 'amqplib'
import { open } from 'lmdb'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import type { BatchOutcome, UsageEvent, UsagePublisher } from '../../../infra/ports/usage.ts'
import { assertUsageTopology } from '../../../infra/rabbitmq/topology.ts'
import { createRabbitUsagePublisher } from '../../../infra/rabbitmq/usage-bus.ts'
import { eventBodiesOf } from '../../../infra/rabbitmq/usage-pack.ts'
import { listen } from '../../support/ports.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

// Issue 12: the spool sends the events published close together as one batch, with one wait for
// their confirms, and keeps every guarantee of one event at a time (ADR 0005).
const amqpUrl = loadConfig().AIAAS_AMQP_URL
let dir: string
let admin: ChannelModel
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiaas-spool-batch-'))
  admin = await connect(amqpUrl)
})
afterAll(async () => {
  await admin.close()
  await rm(dir, { recursive: true, force: true })
})

/** A queue declared here (unbounded: a quorum queue waits on disk writes) and deleted after. */
async function newQueue(): Promise<string> {
  const queue = `test.spool-batch.${randomUUID()}`
  const setup = await admin.createChannel()
  await assertUsageTopology(setup, queue)
  await setup.close()
  onTestFinished(() => deleteUsageQueues(queue))
  return queue
}

/** The event ids now on `queue` (plain messages or packs), in queue order, taken off it. */
async function takeAll(queue: string): Promise<string[]> {
  const channel = await admin.createChannel()
  const ids: string[] = []
  for (;;) {
    const message = await channel.get(queue, { noAck: true })
    if (message === false) break
    const read = eventBodiesOf(message.content, message.properties)
    if (!read.ok) throw new Error(read.reason)
    for (const body of read.bodies) ids.push(JSON.parse(body.toString()).id)
  }
  await channel.close()
  return ids
}

/** The ids in a closed spool's LMDB directory. */
async function spooledIds(path: string): Promise<string[]> {
  const db = open<unknown, string>({ path, compression: false, readOnly: true })
  const ids = Array.from(db.getKeys())
  await db.close()
  return ids
}

/** Counts the batches a bus is handed, by size. */
function counting(inner: UsagePublisher) {
  const sizes: number[] = []
  const publisher: UsagePublisher = {
    publish: (event) => inner.publish(event),
    publishBatch(events) {
      sizes.push(events.length)
      return inner.publishBatch?.(events) ?? Promise.reject(new Error('no batches'))
    },
    close: () => inner.close(),
  }
  return { publisher, sizes }
}

describe('usage spool: batches on a real RabbitMQ', () => {
  it('sends concurrent publishes in batches of at most 256, all confirmed, in order on the queue', async () => {
    const queue = await newQueue()
    const bus = counting(createRabbitUsagePublisher(amqpUrl, queue, { publishTimeoutMs: 10_000 }))
    // A confirm later than spoolAfterMs would spool and take back the batch; not what this is about.
    const spool = createSpooledUsagePublisher(bus.publisher, {
      path: join(dir, randomUUID()),
      drainIntervalMs: 3_600_000,
      spoolAfterMs: 10_000,
    })
    onTestFinished(() => spool.close())
    const events = Array.from({ length: 300 }, () => usageEvent())
    await Promise.all(events.map((event) => spool.publish(event)))

    expect(bus.sizes).toEqual([256, 44])
    expect(spool.pending()).toBe(0)
    expect(await takeAll(queue)).toEqual(events.map((e) => e.id))
  })

  it('loses nothing when the connection dies mid-batch: each event is on the queue or in the spool', async () => {
    const queue = await newQueue()
    const cutter = await startCuttingProxy(new URL(amqpUrl))
    onTestFinished(() => cutter.close())
    const viaProxy = Object.assign(new URL(amqpUrl), { port: String(cutter.port) }).toString()
    const path = join(dir, randomUUID())
    const spool = createSpooledUsagePublisher(createRabbitUsagePublisher(viaProxy, queue), {
      path,
      drainIntervalMs: 3_600_000,
    })
    const first = usageEvent()
    await spool.publish(first) // opens the link, so the cut lands inside the batch below
    await takeAll(queue)
    // ~500 bytes an event: the broker gets part of the batch, then the connection is gone.
    cutter.cutAfter(50_000)
    const events = Array.from({ length: 400 }, () => usageEvent())
    await Promise.all(events.map((event) => spool.publish(event)))
    await spool.close()

    const onQueue = await takeAll(queue)
    const spooled = await spooledIds(path)
    expect(onQueue.length).toBeLessThan(events.length)
    // The first event too may be in the spool, had its confirm been late on a loaded machine.
    const seen = new Set([...onQueue, ...spooled])
    seen.delete(first.id)
    expect(seen).toEqual(new Set(events.map((e) => e.id)))
  })
})

describe('usage spool: a batch and close()', () => {
  /** A bus whose batches wait until the test settles them, each event confirmed unless refused. */
  function heldBatches() {
    const log: string[] = []
    const held: Array<(refuse: (event: UsageEvent) => boolean) => void> = []
    const publisher: UsagePublisher = {
      publish: () => Promise.reject(new Error('batches only')),
      publishBatch: (events) =>
        new Promise<BatchOutcome>((resolve) => {
          log.push(`batch of ${events.length}`)
          held.push((refuse) => {
            log.push('settled')
            resolve(events.map((event) => (refuse(event) ? new Error('refused') : undefined)))
          })
        }),
      async close() {
        log.push('bus closed')
      },
    }
    const settle = (refuse: (event: UsageEvent) => boolean = () => false) => held.shift()?.(refuse)
    return { publisher, log, settle }
  }

  it('close() sends the batch still gathering and waits for its confirms', async () => {
    const bus = heldBatches()
    const spool = createSpooledUsagePublisher(bus.publisher, { path: join(dir, randomUUID()) })
    const published = [usageEvent(), usageEvent(), usageEvent()].map((event) => spool.publish(event))
    const closed = spool.close()
    await waitFor(() => bus.log.includes('batch of 3'), 'the batch to reach the bus')
    expect(bus.log).not.toContain('bus closed')
    bus.settle()
    await closed
    await Promise.all(published)
    expect(bus.log).toEqual(['batch of 3', 'settled', 'bus closed'])
  })

  it('gathers events over event-loop turns for publishWindowMs, or for one turn by default', async () => {
    const sizesOverTurns = async (options: { publishWindowMs?: number }) => {
      const sizes: number[] = []
      const bus: UsagePublisher = {
        publish: () => Promise.reject(new Error('batches only')),
        async publishBatch(events) {
          sizes.push(events.length)
          return events.map(() => undefined)
        },
        close: async () => {},
      }
      const spool = createSpooledUsagePublisher(bus, { path: join(dir, randomUUID()), ...options })
      const published: Promise<void>[] = []
      for (let i = 0; i < 3; i++) {
        published.push(spool.publish(usageEvent()))
        await new Promise((resolve) => setImmediate(resolve))
      }
      await Promise.all(published)
      await spool.close()
      return sizes
    }
    expect(await sizesOverTurns({ publishWindowMs: 3000 })).toEqual([3])
    expect(await sizesOverTurns({})).toEqual([1, 1, 1])
  })

  it('spools, on disk, only the events of a batch that the bus refused', async () => {
    const path = join(dir, randomUUID())
    const bus = heldBatches()
    const spool = createSpooledUsagePublisher(bus.publisher, { path, drainIntervalMs: 3_600_000 })
    const events = Array.from({ length: 6 }, () => usageEvent())
    const refused = new Set([events[1]?.id, events[4]?.id])
    const published = Promise.all(events.map((event) => spool.publish(event)))
    await waitFor(() => bus.log.includes('batch of 6'), 'the batch to reach the bus')
    bus.settle((event) => refused.has(event.id))
    await published
    expect(spool.pending()).toBe(2)
    await spool.close()
    expect(new Set(await spooledIds(path))).toEqual(refused)
  })
})

interface CuttingProxy {
  port: number
  /** From now on, destroys the connections once this many more bytes went to the broker. */
  cutAfter(bytes: number): void
  close(): Promise<void>
}

/** A TCP proxy to the broker that can cut its connections in the middle of what a client sends. */
async function startCuttingProxy(target: URL): Promise<CuttingProxy> {
  const sockets = new Set<Socket>()
  let budget = Number.POSITIVE_INFINITY
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 5672), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => sockets.delete(socket))
    }
    client.on('data', (chunk: Buffer) => {
      budget -= chunk.length
      if (budget > 0) upstream.write(chunk)
      else {
        upstream.write(chunk.subarray(0, chunk.length + budget))
        for (const socket of sockets) socket.destroy()
      }
    })
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const port = await listen(server, 0)
  return {
    port,
    cutAfter(bytes) {
      budget = bytes
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import { createRabbitUsageConsumer, createRabbitUsagePublisher } from '../../../infra/rabbitmq/usage-bus.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import { waitFor } from '../contracts/usage-bus.contract.ts'

// A process publishing usage events as a router does, through a RabbitMQ outage (a TCP proxy
// stopped and resumed in front of the real broker) whose backlog drains while the load goes on,
// then SIGTERMed mid-load: every event it handed to publish reaches the queue exactly once after
// dedupe (any it spooled, once the next process on its spool has drained them).
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiaas-spool-outage-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('usage spool through a RabbitMQ outage and a SIGTERM', () => {
  it('delivers every event handed to publish, exactly once after dedupe', async () => {
    const amqpUrl = loadConfig().AIAAS_AMQP_URL
    const amqp = new URL(amqpUrl)
    const proxy = await startTcpProxy(amqp.hostname, Number(amqp.port || 5672))
    const viaProxy = Object.assign(new URL(amqp), { port: String(proxy.port) }).toString()
    const queue = `test.spool.outage.${randomUUID()}`
    const path = join(dir, randomUUID())
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { logger: { warn: () => {} } })
    const received = new Set<string>()
    await consumer.start(async (events) => {
      for (const event of events) received.add(event.id)
      return { rejected: [] }
    })
    onTestFinished(async () => {
      await consumer.close()
      await proxy.stop().catch(() => {})
      await deleteUsageQueues(queue)
    })

    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'spool-until-sigterm.ts'), path, viaProxy, queue],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    const ids: string[] = []
    const backlog = { last: -1 }
    let partial = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('#pending ')) backlog.last = Number(line.slice('#pending '.length))
        else if (line) ids.push(line)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const atLeast = (n: number) => waitFor(() => ids.length >= n, `${n} events handed over`, 30_000)

    await atLeast(200)
    await proxy.stop()
    await atLeast(500)
    await proxy.resume()
    // The backlog drains while events keep coming (they queue behind it), then publishing is direct.
    backlog.last = -1
    await waitFor(() => backlog.last === 0, 'the backlog to drain under load', 30_000)
    // Mid-load, the bus up: publishes in flight, awaiting their confirms, when the signal lands.
    await atLeast(ids.length + 200)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const sent = [...ids]

    // The next process on the same spool (a router restarted on its volume) sends what is left.
    const next = createSpooledUsagePublisher(createRabbitUsagePublisher(viaProxy, queue), {
      path,
      drainIntervalMs: 100,
    })
    onTestFinished(() => next.close())
    await waitFor(
      () => next.pending() === 0 && sent.every((id) => received.has(id)),
      'every handed-over event in the queue',
      30_000,
    )
    expect(received.size).toBe(sent.length)
    expect([...received].sort()).toEqual([...sent].sort())
  }, 150_000)
})

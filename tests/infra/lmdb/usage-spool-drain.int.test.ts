import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import type { UsageEvent, UsagePublisher } from '../../../infra/ports/usage.ts'
import { usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

// The spool's counter, its batched drain and its close(), on a real LMDB directory and a bus that
// a test controls event by event.
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiaas-spool-drain-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A bus that records what it confirmed, in order; `refuse` decides per event. */
function recordingBus(refuse: (event: UsageEvent) => boolean = () => false) {
  const confirmed: string[] = []
  const state = { inFlight: 0, maxInFlight: 0, closed: false }
  const publisher: UsagePublisher = {
    async publish(event) {
      state.inFlight++
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
      await Promise.resolve()
      state.inFlight--
      if (refuse(event)) throw new Error('bus down')
      confirmed.push(event.id)
    },
    async close() {
      state.closed = true
    },
  }
  return { publisher, confirmed, state }
}

/** Events in the LMDB at `path` as another process sees them; -1 while it cannot be opened yet. */
async function spooledCount(path: string): Promise<number> {
  let reader: ReturnType<typeof open<unknown, string>>
  try {
    reader = open<unknown, string>({ path, compression: false, readOnly: true })
  } catch {
    return -1
  }
  try {
    return reader.getCount()
  } finally {
    await reader.close()
  }
}

const refusingAll = () => recordingBus(() => true).publisher
const spoolAt = (path: string, bus: UsagePublisher, batchSize?: number) =>
  createSpooledUsagePublisher(bus, { path, drainIntervalMs: 3_600_000, batchSize })

async function fill(path: string, count: number): Promise<UsageEvent[]> {
  const spool = spoolAt(path, refusingAll())
  const events = Array.from({ length: count }, () => usageEvent())
  for (const event of events) await spool.publish(event)
  await spool.close()
  return events
}

describe('usage spool: counter and batched drain', () => {
  it('knows its backlog after a restart, and keeps count through a partial drain', async () => {
    const path = join(dir, randomUUID())
    const events = await fill(path, 7)
    const allowed = new Set(events.slice(0, 3).map((e) => e.id))
    const halfUp = recordingBus((e) => !allowed.has(e.id))
    const second = spoolAt(path, halfUp.publisher)
    expect(second.pending()).toBe(7)
    expect(await second.drain()).toBe(3)
    expect(second.pending()).toBe(4)
    await second.close()

    const third = spoolAt(path, recordingBus().publisher)
    onTestFinished(() => third.close())
    expect(third.pending()).toBe(4)
    expect(await third.drain()).toBe(4)
    expect(third.pending()).toBe(0)
  })

  it('drains oldest first in concurrent batches, new events behind the backlog, none twice', async () => {
    const path = join(dir, randomUUID())
    const backlog = await fill(path, 1200)
    const bus = recordingBus()
    const spool = spoolAt(path, bus.publisher, 500)
    onTestFinished(() => spool.close())
    // Published while the backlog waits: they must not overtake it.
    const late = Array.from({ length: 5 }, () => usageEvent())
    const publishing = late.map((event) => spool.publish(event))
    await Promise.all(publishing)
    expect(spool.pending()).toBe(1205)
    expect(bus.confirmed).toEqual([])

    expect(await spool.drain()).toBe(1205)
    expect(bus.confirmed).toEqual([...backlog, ...late].map((e) => e.id))
    expect(bus.state.maxInFlight).toBeGreaterThan(1)
    expect(spool.pending()).toBe(0)
  })

  it('a batch refused in the middle loses nothing and repeats nothing the bus confirmed', async () => {
    const path = join(dir, randomUUID())
    const events = await fill(path, 40)
    const flaky = new Set([events[10]?.id, events[25]?.id])
    const bus = recordingBus((e) => flaky.delete(e.id))
    const spool = spoolAt(path, bus.publisher, 20)
    onTestFinished(() => spool.close())
    await waitFor(() => {
      void spool.drain()
      return spool.pending() === 0
    }, 'the spool to drain through the refusals')
    expect(bus.confirmed).toHaveLength(40)
    expect(new Set(bus.confirmed)).toEqual(new Set(events.map((e) => e.id)))
  })
})

describe('usage spool: close()', () => {
  /** A bus whose next publish waits until the test settles it. */
  function heldBus() {
    const log: string[] = []
    let settle: ((ok: boolean) => void) | undefined
    const publisher: UsagePublisher = {
      publish: () =>
        new Promise<void>((resolve, reject) => {
          log.push('publish started')
          settle = (ok) => {
            log.push(ok ? 'confirmed' : 'refused')
            if (ok) resolve()
            else reject(new Error('no confirm in time'))
          }
        }),
      async close() {
        log.push('bus closed')
      },
    }
    return { publisher, log, settle: (ok: boolean) => settle?.(ok) }
  }

  it('waits for an event in flight to be confirmed before closing the bus', async () => {
    const bus = heldBus()
    const spool = spoolAt(join(dir, randomUUID()), bus.publisher)
    const published = spool.publish(usageEvent())
    await waitFor(() => bus.log.includes('publish started'), 'the publish to reach the bus')
    const closed = spool.close()
    bus.settle(true)
    await closed
    await published
    expect(bus.log).toEqual(['publish started', 'confirmed', 'bus closed'])
  })

  it('spools, on disk, an event in flight that the bus refuses during close', async () => {
    const path = join(dir, randomUUID())
    const bus = heldBus()
    const spool = spoolAt(path, bus.publisher)
    const event = usageEvent()
    const published = spool.publish(event)
    await waitFor(() => bus.log.includes('publish started'), 'the publish to reach the bus')
    const closed = spool.close()
    bus.settle(false)
    await closed
    await published

    const next = recordingBus()
    const reopened = spoolAt(path, next.publisher)
    onTestFinished(() => reopened.close())
    expect(reopened.pending()).toBe(1)
    await reopened.drain()
    expect(next.confirmed).toEqual([event.id])
  })

  it('refuses a publish once closed, rather than dropping it silently', async () => {
    const spool = spoolAt(join(dir, randomUUID()), recordingBus().publisher)
    await spool.close()
    await expect(spool.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
  })
})

describe('usage spool: a confirm that is late', () => {
  it('writes the event to the spool meanwhile, and takes it back once confirmed', async () => {
    const path = join(dir, randomUUID())
    const log: string[] = []
    let confirm = () => {}
    const slow: UsagePublisher = {
      publish: () =>
        new Promise<void>((resolve) => {
          confirm = resolve
        }),
      close: async () => {},
    }
    const spool = createSpooledUsagePublisher(slow, { path, drainIntervalMs: 3_600_000, spoolAfterMs: 50 })
    const published = spool.publish(usageEvent()).then(() => log.push('resolved'))
    await waitFor(() => spool.pending() === 1, 'the unconfirmed event in the spool')
    expect(log).toEqual([])
    confirm()
    await published
    expect(spool.pending()).toBe(0)
    await spool.close()
    const reopened = spoolAt(path, recordingBus().publisher)
    onTestFinished(() => reopened.close())
    expect(reopened.pending()).toBe(0)
  })

  it('keeps an event the bus never confirmed through a SIGKILL', async () => {
    const path = join(dir, randomUUID())
    const events = [usageEvent(), usageEvent(), usageEvent()]
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'spool-unconfirmed.ts'), path, JSON.stringify(events)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    // Another process reading the same LMDB sees what the child has committed. The child makes the
    // directory before its data file: until both are there, an open fails and is tried again.
    await waitFor(
      async () => stderr !== '' || (await spooledCount(path)) === 3,
      'the three unconfirmed events spooled',
    )
    expect(stderr).toBe('')
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited

    const bus = recordingBus()
    const next = spoolAt(path, bus.publisher)
    onTestFinished(() => next.close())
    expect(next.pending()).toBe(3)
    await next.drain()
    expect(bus.confirmed).toEqual(events.map((e) => e.id))
  })
})

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleCommand } from '../../commands/handle-command.ts'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { AppError } from '../../domain/errors.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import type { EventStore, NewEvent } from '../../infra/ports/event-store.ts'
import { newEvent, type TestDatabase } from '../infra/contracts/test-database.ts'
import { makePglite } from '../infra/pglite/fresh-pglite.ts'

// The command handler's retries reuse the invocation's event ids, so an append that committed but
// whose reply was lost is answered from what it stored instead of being written twice.

const context = { actor: 'admin', correlation_id: 'c-1', causation_id: null, source: 'test' }
const unavailable = () => new AppError('DATABASE_UNAVAILABLE', 'database unavailable: Connection terminated')

interface Recorded {
  store: EventStore
  /** The ids of every append sent, in order. */
  sent: string[][]
}

/** Wraps a store; `before` runs before each append reaches it, `after` once it returned. */
function intercept(
  inner: EventStore,
  hooks: { before?: (send: number) => Promise<void>; after?: (send: number) => void },
): Recorded {
  const sent: string[][] = []
  const store: EventStore = {
    ...inner,
    async append(stream, events: readonly NewEvent[], expected) {
      sent.push(events.map((event) => event.id))
      await hooks.before?.(sent.length)
      const result = await inner.append(stream, events, expected)
      hooks.after?.(sent.length)
      return result
    },
  }
  return { store, sent }
}

let counter = 0
const newId = () => `0190a000-0000-7000-8000-${String(++counter).padStart(12, '0')}`
const now = () => new Date('2026-01-01T00:00:00Z')

describe('handleCommand retries', () => {
  let handle: TestDatabase
  let inner: EventStore
  beforeEach(async () => {
    handle = await makePglite()
    inner = createEventStore(handle.db)
  })
  afterEach(() => handle.dispose())

  it('a lost reply to an append that committed is answered idempotently: one organization, one event', async () => {
    const { store, sent } = intercept(inner, {
      after: (send) => {
        if (send === 1) throw unavailable() // committed, then the connection dropped
      },
    })
    const created = await createOrganization({ store, now, newId }, { name: 'acme' }, context)
    const stored = await inner.readStream(organizationStream(created.organization_id))
    expect(stored.map((event) => event.type)).toEqual(['OrganizationCreated'])
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual(sent[0])
    expect(created.position).toBe(stored[0]?.global_position)
  })

  it('a version conflict is decided again on the fresh state with the same event ids', async () => {
    const { organization_id } = await createOrganization(
      { store: inner, now, newId },
      { name: 'acme' },
      context,
    )
    const stream = organizationStream(organization_id)
    const { store, sent } = intercept(inner, {
      before: async (send) => {
        if (send !== 1) return
        // Another writer sets a budget between our read and our append.
        const other = newEvent('OrganizationBudgetSet', {
          organization_id,
          monthly_limit_usd: 50,
          set_at: now().toISOString(),
        })
        await inner.append(stream, [other], 0)
      },
    })
    const command = {
      type: 'SetMonthlyBudget' as const,
      data: { organization_id, monthly_limit_usd: 100, now: now().toISOString() },
    }
    await handleCommand({ store, now, newId }, stream, organizationDecider, command, context)
    const stored = await inner.readStream(stream)
    expect(stored.map((event) => event.data.monthly_limit_usd)).toEqual([undefined, 50, 100])
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual(sent[0])
    expect(stored[2]?.id).toBe(sent[0]?.[0])
  })

  it('an invocation run again with the same ids (an Idempotency-Key retry) answers with the events it stored', async () => {
    // Ids that derive from the request, as the admin API's do for an Idempotency-Key.
    const sameIds = () => {
      let drawn = 0
      return () => `0190b000-0000-7000-8000-${String(++drawn).padStart(12, '0')}`
    }
    const first = await createOrganization({ store: inner, now, newId: sameIds() }, { name: 'acme' }, context)
    const again = await createOrganization({ store: inner, now, newId: sameIds() }, { name: 'acme' }, context)
    expect(again).toEqual(first)
    const stored = await inner.readStream(organizationStream(first.organization_id))
    expect(stored.map((event) => event.type)).toEqual(['OrganizationCreated'])
  })

  it('a database that stays down fails the command after a bounded number of sends, all with the same ids', async () => {
    const { store, sent } = intercept(inner, {
      before: async () => {
        throw unavailable()
      },
    })
    await expect(createOrganization({ store, now, newId }, { name: 'acme' }, context)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    })
    expect(sent).toHaveLength(3)
    expect(new Set(sent.map((ids) => ids.join()))).toHaveProperty('size', 1)
    expect((await inner.readAll({ after: 0n })).length).toBe(0)
  })
})

import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type UserCommandDeps } from '../../../commands/users/create-user.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { sqlEmailReservations } from '../../../projections/users/email-reservations.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { testContext } from '../../support/read-models.ts'

const context = testContext
const N = 8

let db: Database
let dispose: () => Promise<void>
beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('users', N + 4)())
})
afterAll(() => dispose())

/** Resolves once `count` sessions of this schema wait for a lock on email_reservations. */
async function waitForWaiters(count: number): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE NOT l.granted AND c.relname = 'email_reservations'
          AND c.relnamespace = current_schema()::regnamespace`,
    )
    if ((rows[0]?.waiting ?? 0) >= count) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('createUser on PostgreSQL: concurrent creates with one email', () => {
  it(`lets exactly one of ${N} concurrent creates (the email in ${N} casings) have the email`, async () => {
    const deps: UserCommandDeps = {
      store: createEventStore(db),
      now: () => new Date(),
      newId: v7,
      emails: sqlEmailReservations(db),
    }
    // The barrier: a transaction holds the table, every create queues behind it, then all go at once.
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked = () => {}
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const barrier = db.transaction(async (tx) => {
      await tx.query('LOCK TABLE email_reservations IN EXCLUSIVE MODE')
      locked()
      await held
    })
    await isLocked
    const emails = Array.from({ length: N }, (_, i) =>
      i % 2 ? `RACE@example.com` : `Race@Example.${i ? 'COM' : 'com'}`,
    )
    const outcomes = Promise.allSettled(
      emails.map((email) => createUser(deps, { email, display_name: 'R', invite: false }, context)),
    )
    await waitForWaiters(N)
    release()
    await barrier
    const settled = await outcomes

    const won = settled.filter((outcome) => outcome.status === 'fulfilled')
    const refused = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))
    expect(won).toHaveLength(1)
    expect(refused).toHaveLength(N - 1)
    for (const reason of refused) expect(reason).toMatchObject({ code: 'EMAIL_TAKEN' })
    // The invariant, not only the status codes: one user recorded, one reservation, the winner's.
    const users = await db.query<{ stream: string }>("SELECT stream FROM events WHERE type = 'UserCreated'")
    const winner = won[0]?.status === 'fulfilled' ? won[0].value.user_id : ''
    expect(users.rows).toEqual([{ stream: `user-${winner}` }])
    const claims = await db.query('SELECT email_key, user_id FROM email_reservations')
    expect(claims.rows).toEqual([{ email_key: 'race@example.com', user_id: winner }])
  })
})

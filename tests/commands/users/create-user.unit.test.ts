import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { ABANDONED_CLAIM_MS, createUser, type UserCommandDeps } from '../../../commands/users/create-user.ts'
import { AppError } from '../../../domain/errors.ts'
import { userStream } from '../../../domain/users/user.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { sqlEmailReservations } from '../../../projections/users/email-reservations.ts'
import { testContext } from '../../support/read-models.ts'

const context = testContext
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

let clock = new Date('2026-11-26T10:00:00Z')
async function platform(wrap: (store: EventStore) => EventStore = (store) => store) {
  const db = await createPgliteDatabase(undefined)
  closers.push(() => db.close())
  await migrate(db)
  clock = new Date('2026-11-26T10:00:00Z')
  const deps: UserCommandDeps = {
    store: wrap(createEventStore(db)),
    now: () => clock,
    newId: v7,
    emails: sqlEmailReservations(db),
  }
  return { db, deps }
}

const ada = (email: string) => ({ email, display_name: 'Ada', invite: false })
const reservations = async (db: Database) =>
  (await db.query('SELECT email_key, user_id FROM email_reservations ORDER BY email_key')).rows

/** An event store whose appends fail with this code: the command never records its event. */
const failingAppends =
  (code: string) =>
  (store: EventStore): EventStore => ({
    ...store,
    append: async () => {
      throw new AppError(code, 'append failed in the test')
    },
  })

describe('createUser: one user per email, whatever its case', () => {
  it('refuses a second user whose email differs only in case, and records nothing for it', async () => {
    const { db, deps } = await platform()
    const first = await createUser(deps, ada('Ada@Example.com'), context)
    await expect(createUser(deps, ada('  ada@EXAMPLE.com'), context)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    })
    expect(await reservations(db)).toEqual([{ email_key: 'ada@example.com', user_id: first.user_id }])
    const streams = await db.query("SELECT DISTINCT stream FROM events WHERE stream LIKE 'user-%'")
    expect(streams.rows).toEqual([{ stream: userStream(first.user_id) }])
  })

  it('gives the email back when the append is refused', async () => {
    const { db, deps } = await platform(failingAppends('INTERNAL'))
    await expect(createUser(deps, ada('ada@example.com'), context)).rejects.toMatchObject({
      code: 'INTERNAL',
    })
    expect(await reservations(db)).toEqual([])
  })

  it('keeps the claim when the append committed but its reply was lost (database unavailable)', async () => {
    const lostReplies = (store: EventStore): EventStore => ({
      ...store,
      append: async (stream, events, expected) => {
        await store.append(stream, events, expected)
        throw new AppError('DATABASE_UNAVAILABLE', 'the reply was lost in the test')
      },
    })
    const { db, deps } = await platform(lostReplies)
    await expect(createUser(deps, ada('ada@example.com'), context)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    })
    expect(await reservations(db)).toHaveLength(1)
    await expect(createUser(deps, ada('ADA@example.com'), context)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    })
  })

  it('gives the claim back when the database failed before the append committed', async () => {
    const { db, deps } = await platform(failingAppends('DATABASE_UNAVAILABLE'))
    await expect(createUser(deps, ada('ada@example.com'), context)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    })
    expect(await reservations(db)).toEqual([])
  })

  it('takes over a claim abandoned by a create that never appended, once it is old enough', async () => {
    const { db, deps } = await platform()
    const crashed = v7()
    await deps.emails.claim('ada@example.com', crashed, clock)

    clock = new Date(clock.getTime() + ABANDONED_CLAIM_MS - 1)
    await expect(createUser(deps, ada('ada@example.com'), context)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    })

    clock = new Date(clock.getTime() + 1)
    const created = await createUser(deps, ada('Ada@example.com'), context)
    expect(await reservations(db)).toEqual([{ email_key: 'ada@example.com', user_id: created.user_id }])
  })

  it('run again with the same ids (a retry after a lost outcome) answers with the user it made', async () => {
    const { db, deps } = await platform()
    const ids = [v7(), v7()]
    const replaying = () => {
      let drawn = 0
      return { ...deps, newId: () => ids[drawn++] ?? v7() }
    }
    const first = await createUser(replaying(), ada('ada@example.com'), context)
    const again = await createUser(replaying(), ada('ada@example.com'), context)
    expect(again).toEqual(first)
    expect(await reservations(db)).toEqual([{ email_key: 'ada@example.com', user_id: first.user_id }])
    expect((await db.query("SELECT 1 FROM events WHERE type = 'UserCreated'")).rows).toHaveLength(1)
  })

  it('never takes over the claim of a user that exists, however old', async () => {
    const { deps } = await platform()
    await createUser(deps, ada('ada@example.com'), context)
    clock = new Date(clock.getTime() + 10 * ABANDONED_CLAIM_MS)
    await expect(createUser(deps, ada('ADA@example.com'), context)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    })
  })
})

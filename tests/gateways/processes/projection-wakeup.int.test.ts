import { EventEmitter, once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  notifyAppended,
  onAppended,
  readModelsNudges,
} from '../../../gateways/processes/projection-wakeup.ts'
import { waitForCheckpoint } from '../../../infra/event-store/subscription.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { READ_MODELS, READ_MODELS_CHANNEL } from '../../../projections/read-models.ts'
import { databaseUrl, freshSchema } from '../../infra/postgres/fresh-schema.ts'

// Read-your-writes across processes on real PostgreSQL: the identity process's NOTIFY after a
// command reaches the projector's wake-up, and the projector's NOTIFY after a batch nudges the
// responses waiting for the checkpoint. Each test waits for its wake-up and would time out
// without it. (Whether a woken projector then applies the events depends on the log's horizon,
// which other test files' open transactions hold back: the subscription's own tests cover it.)
let db: Database
let schema: string
let drop: () => Promise<void>

beforeAll(async () => {
  ;({ schema, drop } = await freshSchema('wakeup'))
  db = createPostgresDatabase(databaseUrl(), { schema })
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
  await drop?.()
})

const url = () => `${databaseUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`

describe('projection wake-up between processes', () => {
  it('the identity’s NOTIFY after a command wakes the projector', async () => {
    let woken = () => {}
    const listener = onAppended(
      url(),
      () => woken(),
      () => {},
    )
    onTestFinished(() => listener.close())
    await listener.ready
    // Past the wake-up every (re)connect makes: the next one comes from the NOTIFY.
    const wake = new Promise<void>((resolve) => {
      woken = resolve
    })
    notifyAppended(db)()
    await wake
  })

  it('the projector’s NOTIFY after a batch nudges whoever waits for the checkpoint', async () => {
    const { nudges, ready, close } = readModelsNudges(url(), () => {})
    onTestFinished(close)
    await ready
    const nudged = once(nudges, 'nudge')
    await db.query('SELECT pg_notify($1, $2)', [READ_MODELS_CHANNEL, '42'])
    await nudged
  })

  it('a nudged wait still answers from the checkpoint, and leaves no listener behind', async () => {
    const nudges = new EventEmitter()
    const waiting = waitForCheckpoint(db, READ_MODELS, 1n, 200, nudges)
    const timer = setInterval(() => nudges.emit('nudge'), 5)
    onTestFinished(() => clearInterval(timer))
    expect(await waiting).toBe(false)
    await db.query(
      `INSERT INTO subscription_checkpoints (name, position) VALUES ($1, 7)
       ON CONFLICT (name) DO UPDATE SET position = 7`,
      [READ_MODELS],
    )
    expect(await waitForCheckpoint(db, READ_MODELS, 7n, 200, nudges)).toBe(true)
    expect(nudges.listenerCount('nudge')).toBe(0)
  })
})

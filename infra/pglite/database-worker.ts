import { parentPort, workerData } from 'node:worker_threads'
import type { Sql } from '../ports/database.ts'
import { createPgliteDatabase } from './database.ts'
import { type Answer, type Ask, toWire } from './worker-protocol.ts'

// The embedded database's thread (ADR 0030): PGlite runs here, so its WebAssembly PostgreSQL takes
// the machine's second core instead of the router's event loop. Each ask is answered by id. A
// transaction stays open between asks and its statements run on its own session; PGlite's lock
// keeps every other statement out until it ends, exactly as in one thread.

if (!parentPort) throw new Error('database-worker.ts runs as a worker thread')
const port = parentPort
const db = await createPgliteDatabase((workerData as { dataDir?: string }).dataDir)

interface Open {
  sql: Sql
  /** Commits or rolls back; resolves once PGlite has ended it (a failed COMMIT rejects). */
  end(commit: boolean): Promise<void>
}
const open = new Map<number, Open>()
let nextTx = 1

/** Ends the callback of PGlite's transaction() with a rollback, which is not an error here. */
class RolledBack extends Error {}

const answer = (message: Answer) => port.postMessage(message)

/** Answers the ask `id` with the transaction's number once PGlite has granted it. */
function begin(id: number): void {
  const tx = nextTx++
  let granted = false
  // `end` runs on a later ask, long after `done` is assigned.
  const done: Promise<void> = db
    .transaction(
      (sql) =>
        new Promise<void>((resolve, reject) => {
          granted = true
          const end = (commit: boolean) => {
            if (commit) resolve()
            else reject(new RolledBack())
            return done
          }
          open.set(tx, { sql, end })
          answer({ id, ok: true, tx })
        }),
    )
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error
    })
    .finally(() => open.delete(tx))
  // Never granted (BEGIN failed): the begin itself fails. Granted: 'end' reports the outcome.
  done.catch((error: unknown) => {
    if (!granted) answer({ id, ok: false, error: toWire(error) })
  })
}

function transaction(tx: number): Open {
  const found = open.get(tx)
  if (!found) throw new Error(`transaction ${tx} is not open`)
  return found
}

async function run(ask: Ask): Promise<void> {
  switch (ask.op) {
    case 'query':
      return answer({ id: ask.id, ok: true, result: await db.query(ask.text, ask.params) })
    case 'tx-query':
      return answer({
        id: ask.id,
        ok: true,
        result: await transaction(ask.tx).sql.query(ask.text, ask.params),
      })
    case 'begin':
      return begin(ask.id)
    case 'end':
      await transaction(ask.tx).end(ask.commit)
      return answer({ id: ask.id, ok: true })
    case 'close':
      await db.close()
      answer({ id: ask.id, ok: true })
      port.close()
  }
}

port.on('message', (ask: Ask) => {
  run(ask).catch((error: unknown) => answer({ id: ask.id, ok: false, error: toWire(error) }))
})

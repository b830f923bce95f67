import { Worker } from 'node:worker_threads'
import type { Database, QueryResult, Row, Sql } from '../ports/database.ts'
import { type Answer, type Ask, fromWire } from './worker-protocol.ts'

// Embedded PGlite on a thread of its own (ADR 0030): the same Database port as database.ts, each
// statement sent to database-worker.ts and answered by structured clone. The event loop that serves
// requests no longer runs PostgreSQL (usage ingest, projections, admin reads); it waits for them.
// Semantics are PGlite's own, unchanged: one session, a transaction holds it exclusively, and a
// top-level query() from inside a transaction's callback waits forever (use the tx it is given).

type Pending = { resolve: (answer: Answer & { ok: true }) => void; reject: (error: Error) => void }
type AskBody = Ask extends infer A ? (A extends Ask ? Omit<A, 'id'> : never) : never

/** dataDir undefined: in memory. Resolves once the worker's PGlite is open. */
export async function createThreadedPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  const worker = new Worker(new URL('./database-worker.ts', import.meta.url), { workerData: { dataDir } })
  const pending = new Map<number, Pending>()
  let nextId = 1
  let stopped: Error | null = null

  const stop = (error: Error) => {
    stopped ??= error
    for (const waiting of pending.values()) waiting.reject(stopped)
    pending.clear()
  }
  worker.on('error', (error) => stop(new Error(`the embedded database thread failed: ${error.message}`)))
  worker.on('exit', (code) => stop(new Error(`the embedded database thread exited (code ${code})`)))
  worker.on('message', (answer: Answer) => {
    const waiting = pending.get(answer.id)
    pending.delete(answer.id)
    if (answer.ok) waiting?.resolve(answer)
    else waiting?.reject(fromWire(answer.error))
  })

  const ask = (body: AskBody): Promise<Answer & { ok: true }> => {
    if (stopped) return Promise.reject(stopped)
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ ...body, id })
    })
  }
  const resultOf = <R extends Row>(answer: Answer & { ok: true }) => answer.result as QueryResult<R>

  // The first statement waits for the worker's PGlite to open (and fails if it could not).
  await ask({ op: 'query', text: 'SELECT 1' })

  const inTransaction = (tx: number): Sql => ({
    query: async <R extends Row = Row>(text: string, values?: readonly unknown[]) =>
      resultOf<R>(await ask({ op: 'tx-query', tx, text, params: values })),
  })

  return {
    kind: 'pglite',
    query: async <R extends Row = Row>(text: string, values?: readonly unknown[]) =>
      resultOf<R>(await ask({ op: 'query', text, params: values })),
    async transaction(fn) {
      const { tx } = await ask({ op: 'begin' })
      if (tx === undefined) throw new Error('the embedded database thread opened no transaction')
      let value: Awaited<ReturnType<typeof fn>>
      try {
        value = await fn(inTransaction(tx))
      } catch (error) {
        await ask({ op: 'end', tx, commit: false })
        throw error
      }
      await ask({ op: 'end', tx, commit: true })
      return value
    },
    async close() {
      if (!stopped) await ask({ op: 'close' })
      await worker.terminate()
    },
  }
}

import { PGlite, type Results, type Transaction } from '@electric-sql/pglite'
import type { Database, QueryResult, Row, Sql } from '../ports/database.ts'
import { INT8_OID, parseBigint } from '../sql/bigint.ts'

// PGlite is one embedded backend, so there is one session for everyone. Its own transaction()
// takes an exclusive lock for the whole callback and its top-level query()/exec() wait for that
// lock, so a concurrent caller's statement can never land inside someone else's transaction
// (tests/infra/pglite/database.unit.test.ts checks it). The flip side: calling db.query() from
// inside db.transaction()'s callback waits forever; use the tx it is given.

type Runner = Pick<Transaction, 'query' | 'exec'>

function toResult<R extends Row>(result: Results<R> | undefined): QueryResult<R> {
  const rows = result?.rows ?? []
  return { rows, rowCount: result?.affectedRows || rows.length }
}

// The port's R is the caller's declaration of the row shape, as with pg's query<R> and PGlite's
// query<T>; exec() has no type parameter, so the declaration is carried over here.
function lastResult<R extends Row>(results: readonly Results[]): Results<R> | undefined
function lastResult(results: readonly Results[]): Results | undefined {
  return results.at(-1)
}

function sqlOf(runner: Runner): Sql {
  return {
    async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      if (params !== undefined && params.length > 0) return toResult(await runner.query<R>(text, [...params]))
      // Without params, text may hold several statements (migrations), as with pg's simple protocol:
      // the last statement's result is the answer.
      return toResult(lastResult<R>(await runner.exec(text)))
    },
  }
}

/** dataDir undefined: in memory (tests, throwaway runs). */
export async function createPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  // Array parsers of PGlite look the element parser up at parse time, so BIGINT[] follows too.
  const pglite = await PGlite.create(dataDir, { parsers: { [INT8_OID]: parseBigint } })
  const sql = sqlOf(pglite)
  return {
    kind: 'pglite',
    query: sql.query,
    transaction: (fn) => pglite.transaction((tx) => fn(sqlOf(tx))),
    close: () => pglite.close(),
  }
}

import pg from 'pg'
import { AppError } from '../../domain/errors.ts'
import type { Database, QueryResult, Row, Sql } from '../ports/database.ts'
import { INT8_ARRAY_OID, INT8_OID, parseBigint, parseBigintArray } from '../sql/bigint.ts'

export interface PostgresOptions {
  /** Schema put first on every connection's search_path (tests give each file its own). */
  schema?: string
  max?: number
  connectionTimeoutMillis?: number
}

// Per-pool parsers rather than pg.types.setTypeParser, which would change every pool in the process.
const types = {
  getTypeParser(id: number, format?: 'text' | 'binary') {
    if (id === INT8_OID) return parseBigint
    if (id === INT8_ARRAY_OID) return parseBigintArray
    return pg.types.getTypeParser(id, format)
  },
}

// Errors that mean "the server cannot be reached", as opposed to an SQL error: class 08
// (connection exception), 57P01-03 (shutdown, cannot connect now), 53300 (too many connections).
const unavailableSqlStates = /^(08...|57P0[123]|53300)$/
const unavailableMessages = /timeout exceeded when trying to connect|Connection terminated|connect ECONN/
const unavailableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
])

function codeOf(error: Error): string {
  return 'code' in error && typeof error.code === 'string' ? error.code : ''
}

function isUnavailable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false
  const code = codeOf(error)
  return (
    unavailableErrnos.has(code) || unavailableSqlStates.test(code) || unavailableMessages.test(error.message)
  )
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!isUnavailable(error)) throw error
    throw new AppError('DATABASE_UNAVAILABLE', `database unavailable: ${error.message}`, {
      cause: codeOf(error) || error.message,
    })
  }
}

function sqlOf(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query<R>(text, params === undefined ? undefined : [...params])
      // Without params, text may hold several statements (migrations): pg then returns one result
      // per statement, and the last one is the answer.
      const all: readonly pg.QueryResult<R>[] = Array.isArray(result) ? result : [result]
      const last = all.at(-1)
      return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 }
    },
  }
}

async function inTransaction<T>(pool: pg.Pool, fn: (tx: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(sqlOf(client))
    await client.query('COMMIT')
    return result
  } catch (error) {
    // A failed ROLLBACK means the connection is gone; it must not go back to the pool.
    await client.query('ROLLBACK').catch(() => {
      broken = true
    })
    throw error
  } finally {
    client.release(broken)
  }
}

export function createPostgresDatabase(url: string, options: PostgresOptions = {}): Database {
  const schema = options.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new AppError(
      'INVALID_SCHEMA_NAME',
      `schema name ${JSON.stringify(schema)} is not a plain identifier`,
    )
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  // An idle connection that dies emits 'error' on the pool, which would crash the process if
  // unhandled; the pool drops it and the next query reports DATABASE_UNAVAILABLE if it persists.
  pool.on('error', () => {})
  const sql = sqlOf(pool)
  return {
    kind: 'postgres',
    query<R extends Row = Row>(text: string, params?: readonly unknown[]) {
      return guard(() => sql.query<R>(text, params))
    },
    transaction: (fn) => guard(() => inTransaction(pool, fn)),
    close: () => pool.end(),
  }
}

// The SQL database port (pg-boss style: one query method, plus a transaction scope).
// Adapters: infra/postgres (node-postgres Pool) and infra/pglite (embedded PGlite).
export type Row = Record<string, unknown>

export interface QueryResult<R extends Row = Row> {
  rows: R[]
  rowCount: number
}

export interface Sql {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite'
  /** Runs fn in one transaction: commit when it resolves, rollback when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>
  close(): Promise<void>
}

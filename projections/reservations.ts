import type { Claim, Reservations } from '../commands/reservations.ts'
import type { Sql } from '../infra/ports/database.ts'

/** A reservation table: its primary key column and the column naming who holds the key. */
export interface ReservationTable {
  table: 'email_reservations' | 'model_name_reservations'
  key: string
  holder: string
}

// Reservations on the read-model database (tables: infra/migrations/0122 and 0170). Each method
// is one statement, so it needs no transaction: the primary key makes exactly one of N concurrent
// claims insert its row. Table and column names come from the callers' constants, never input.
export function sqlReservations(db: Sql, { table, key, holder }: ReservationTable): Reservations {
  const claim = async (value: string, by: string, at: Date): Promise<Claim> => {
    const inserted = await db.query(
      `INSERT INTO ${table} (${key}, ${holder}, claimed_at) VALUES ($1, $2, $3)
         ON CONFLICT (${key}) DO NOTHING RETURNING ${holder}`,
      [value, by, at],
    )
    if (inserted.rowCount === 1) return { claimed: true }
    const { rows } = await db.query<{ holder: string; claimed_at: Date }>(
      `SELECT ${holder} AS holder, claimed_at FROM ${table} WHERE ${key} = $1`,
      [value],
    )
    const row = rows[0]
    // Released between the two statements: try once more (the race is rare and finite).
    if (!row) return claim(value, by, at)
    if (row.holder === by) return { claimed: true }
    return { claimed: false, holder: row.holder, claimed_at: row.claimed_at }
  }
  return {
    claim,
    async takeOver(value, from, to, at) {
      const { rowCount } = await db.query(
        `UPDATE ${table} SET ${holder} = $3, claimed_at = $4 WHERE ${key} = $1 AND ${holder} = $2`,
        [value, from, to, at],
      )
      return rowCount === 1
    },
    async release(value, by) {
      await db.query(`DELETE FROM ${table} WHERE ${key} = $1 AND ${holder} = $2`, [value, by])
    },
  }
}

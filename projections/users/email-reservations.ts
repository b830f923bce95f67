import type { Claim, EmailReservations } from '../../commands/users/email-reservations.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Email reservations on the read-model database (table: infra/migrations/0122). Each method is
// one statement, so it needs no transaction: the primary key on email_key makes exactly one of N
// concurrent claims insert its row.
export function sqlEmailReservations(db: Sql): EmailReservations {
  const claim = async (emailKey: string, userId: string, at: Date): Promise<Claim> => {
    const inserted = await db.query(
      `INSERT INTO email_reservations (email_key, user_id, claimed_at) VALUES ($1, $2, $3)
         ON CONFLICT (email_key) DO NOTHING RETURNING user_id`,
      [emailKey, userId, at],
    )
    if (inserted.rowCount === 1) return { claimed: true }
    const { rows } = await db.query<{ user_id: string; claimed_at: Date }>(
      'SELECT user_id, claimed_at FROM email_reservations WHERE email_key = $1',
      [emailKey],
    )
    const row = rows[0]
    // Released between the two statements: try once more (the race is rare and finite).
    if (!row) return claim(emailKey, userId, at)
    if (row.user_id === userId) return { claimed: true }
    return { claimed: false, holder: row.user_id, claimed_at: row.claimed_at }
  }
  return {
    claim,
    async takeOver(emailKey, from, to, at) {
      const { rowCount } = await db.query(
        'UPDATE email_reservations SET user_id = $3, claimed_at = $4 WHERE email_key = $1 AND user_id = $2',
        [emailKey, from, to, at],
      )
      return rowCount === 1
    },
    async release(emailKey, userId) {
      await db.query('DELETE FROM email_reservations WHERE email_key = $1 AND user_id = $2', [
        emailKey,
        userId,
      ])
    },
  }
}

import type { EmailReservations } from '../../commands/users/email-reservations.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { sqlReservations } from '../reservations.ts'

// Email reservations on the read-model database (table: infra/migrations/0122).
export const sqlEmailReservations = (db: Sql): EmailReservations =>
  sqlReservations(db, { table: 'email_reservations', key: 'email_key', holder: 'user_id' })

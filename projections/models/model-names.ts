import type { Reservations } from '../../commands/reservations.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { sqlReservations } from '../reservations.ts'

// Model name reservations on the read-model database (table: infra/migrations/0170): a name or
// an alias, held by the model whose stream holds it.
export const sqlModelNames = (db: Sql): Reservations =>
  sqlReservations(db, { table: 'model_name_reservations', key: 'name', holder: 'model' })

// The port for the one cross-stream rule of users: an email belongs to at most one user
// (docs/adr/0009-email-reservation.md), a reservation keyed by the email key and held by a user
// id. Adapter: projections/users/email-reservations.ts (SQL).
import type { Reservations } from '../reservations.ts'

export type { Claim } from '../reservations.ts'
export type EmailReservations = Reservations

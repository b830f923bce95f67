// The port for the one cross-stream rule: an email belongs to at most one user
// (docs/adr/0009-email-reservation.md). Adapter: projections/users/email-reservations.ts (SQL).
export type Claim = { claimed: true } | { claimed: false; holder: string; claimed_at: Date }

export interface EmailReservations {
  /** Claims the email key for the user; answers who holds it when another user does. */
  claim(emailKey: string, userId: string, at: Date): Promise<Claim>
  /** Moves an abandoned claim from one user to another; false when `from` no longer holds it. */
  takeOver(emailKey: string, from: string, to: string, at: Date): Promise<boolean>
  /** Gives a claim back (the append it guarded failed); a claim held by another user stays. */
  release(emailKey: string, userId: string): Promise<void>
}

// The port for a name that must be unique across streams: a reservation claimed by the command
// before it appends, the way ADR 0009 keeps emails unique. Used for users' emails
// (email_reservations) and for model names and aliases (model_name_reservations).
// Adapter: projections/reservations.ts (SQL, one statement per method).
export type Claim = { claimed: true } | { claimed: false; holder: string; claimed_at: Date }

export interface Reservations {
  /** Claims the key for the holder (already holding it counts); answers who holds it otherwise. */
  claim(key: string, holder: string, at: Date): Promise<Claim>
  /** Moves an abandoned claim from one holder to another; false when `from` no longer holds it. */
  takeOver(key: string, from: string, to: string, at: Date): Promise<boolean>
  /** Gives a claim back; a claim held by another holder stays. */
  release(key: string, holder: string): Promise<void>
}

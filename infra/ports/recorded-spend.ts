// The spend recorded in the usage read model (PostgreSQL), the truth the spend ledger's counters
// are seeded and reconciled from (docs/routing.md, "Seeding and reconciliation"). Behind a port so
// the adapter can move onto rollups without its callers changing.

export interface RecordedSpend {
  /**
   * Nano-USD recorded for the organization (`api_key_id` null) or one of its keys since `from`
   * (inclusive; null = ever), rounded up to a whole nano-dollar. Rejects when the store cannot
   * be read.
   */
  spentNanos(organization_id: string, api_key_id: string | null, from: Date | null): Promise<number>
}

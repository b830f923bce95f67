// Where router replicas share which backends' circuits are open (docs/adr/0019-backend-health-sharing.md).
// Durations, not instants, travel between replicas, so their clocks need not agree.

export interface CircuitOpening {
  /** How long the circuit stays open from now. */
  cooldown_ms: number
  /** Openings in a row, the backend's back-off step. */
  openings: number
}

export type BoardListener = (backend: string, opening: CircuitOpening | null) => void

export interface HealthBoard {
  /**
   * Tells every replica (this one included) that a backend's circuit opened, or closed (null).
   * Either ends the backend's half-open trial, so the next opening has a trial of its own.
   */
  announce(backend: string, opening: CircuitOpening | null): Promise<void>
  /** The openings in force now, each with the cooldown left. */
  openings(): Promise<Map<string, CircuitOpening>>
  /** Calls `listener` with every announcement from now on, from any replica. */
  listen(listener: BoardListener): Promise<void>
  /** Takes a backend's one half-open trial for `ttlMs` across replicas; false while another holds it. */
  takeTrial(backend: string, ttlMs: number): Promise<boolean>
  /** Gives a trial back unmade (its request's client left): another may take it at once. */
  releaseTrial(backend: string): Promise<void>
  close(): Promise<void>
}

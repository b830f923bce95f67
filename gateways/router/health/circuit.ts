// One backend's circuit breaker, pure: time comes in (docs/routing.md#health-and-failover).
// closed → (threshold consecutive failures) → open for a cooldown that doubles with each opening
// in a row → half-open: exactly one trial request → closed on success, open again on failure.

export interface CircuitOptions {
  /** Consecutive failures (5xx, connect errors, timeouts) that open the circuit. */
  failureThreshold: number
  /** Cooldown of a first opening; each opening in a row doubles it, up to maxCooldownMs. */
  cooldownMs: number
  maxCooldownMs: number
  /** A trial that reports nothing within this (its replica died) lets another trial go. */
  trialTimeoutMs: number
}

export const DEFAULT_CIRCUIT: CircuitOptions = {
  failureThreshold: 5,
  cooldownMs: 5_000,
  maxCooldownMs: 300_000,
  trialTimeoutMs: 60_000,
}

export type Circuit =
  | { state: 'closed'; failures: number; openings: number }
  | { state: 'open'; until: number; openings: number }
  | { state: 'half_open'; trial_until: number; openings: number }

export const closedCircuit: Circuit = { state: 'closed', failures: 0, openings: 0 }

export function cooldownMs(options: CircuitOptions, openings: number): number {
  return Math.min(options.maxCooldownMs, options.cooldownMs * 2 ** Math.max(0, openings - 1))
}

/** The circuit opened once more (its `openings`-th time in a row) at `now`. */
export function opened(options: CircuitOptions, openings: number, now: number): Circuit {
  return { state: 'open', until: now + cooldownMs(options, openings), openings }
}

/**
 * Whether a request may go now, and the circuit after: an open circuit past its cooldown lets
 * this request through as the one trial; while the trial runs nobody else passes.
 */
export function admit(
  options: CircuitOptions,
  circuit: Circuit,
  now: number,
): { admitted: boolean; next: Circuit } {
  switch (circuit.state) {
    case 'closed':
      return { admitted: true, next: circuit }
    case 'open':
    case 'half_open': {
      const waitUntil = circuit.state === 'open' ? circuit.until : circuit.trial_until
      if (now < waitUntil) return { admitted: false, next: circuit }
      const trial: Circuit = {
        state: 'half_open',
        trial_until: now + options.trialTimeoutMs,
        openings: circuit.openings,
      }
      return { admitted: true, next: trial }
    }
    default: {
      const unknown: never = circuit
      throw new Error(`unknown circuit ${JSON.stringify(unknown)}`)
    }
  }
}

/** The circuit after an attempt's verdict. */
export function afterVerdict(
  options: CircuitOptions,
  circuit: Circuit,
  success: boolean,
  now: number,
): Circuit {
  if (success) return closedCircuit
  switch (circuit.state) {
    case 'closed': {
      const failures = circuit.failures + 1
      return failures >= options.failureThreshold
        ? opened(options, circuit.openings + 1, now)
        : { ...circuit, failures }
    }
    case 'half_open':
      return opened(options, circuit.openings + 1, now)
    case 'open':
      // A request admitted before the circuit opened failed too: it opens nothing more.
      return circuit
    default: {
      const unknown: never = circuit
      throw new Error(`unknown circuit ${JSON.stringify(unknown)}`)
    }
  }
}

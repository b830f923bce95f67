// Bounds how many AccessDenied events one caller can write: a script hammering routes it may not
// use would otherwise write one event per request. Per actor and per process, a fixed window:
// the first `perWindow` denials of a window are recorded, the rest only counted (and logged, as
// every denial is); the count reaches the audit log on the actor's next recorded denial
// (`suppressed_before`). Actors are authenticated callers, so the map's keys are bounded by the
// callers there are; `maxActors` bounds it anyway, forgetting the oldest actor first.

export interface DenialBudgetOptions {
  perWindow: number
  windowMs: number
  maxActors: number
}

export const DENIAL_BUDGET: DenialBudgetOptions = { perWindow: 20, windowMs: 60_000, maxActors: 10_000 }

export interface Admission {
  record: boolean
  /** Denials of this actor not recorded since its last recorded one (0 when `record` is false). */
  suppressed_before: number
}

export interface DenialBudget {
  admit(actor: string, nowMs: number): Admission
}

interface Window {
  startedMs: number
  recorded: number
  suppressed: number
}

export function denialBudget(options: DenialBudgetOptions = DENIAL_BUDGET): DenialBudget {
  const windows = new Map<string, Window>()
  const windowOf = (actor: string, nowMs: number): Window => {
    const current = windows.get(actor)
    if (current && nowMs - current.startedMs < options.windowMs) return current
    // A new window keeps the count not yet reported.
    const fresh = { startedMs: nowMs, recorded: 0, suppressed: current?.suppressed ?? 0 }
    if (!current && windows.size >= options.maxActors) {
      const oldest = windows.keys().next().value
      if (oldest !== undefined) windows.delete(oldest)
    }
    windows.set(actor, fresh)
    return fresh
  }
  return {
    admit(actor, nowMs) {
      const window = windowOf(actor, nowMs)
      if (window.recorded >= options.perWindow) {
        window.suppressed++
        return { record: false, suppressed_before: 0 }
      }
      window.recorded++
      const suppressed_before = window.suppressed
      window.suppressed = 0
      return { record: true, suppressed_before }
    },
  }
}

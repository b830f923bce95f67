import { backendsOf, type Model } from '../models.ts'
import { httpProbe, type ProbedBackend, probedBackend } from './probe-call.ts'
import { createProber, type ProbeCall, type Prober } from './prober.ts'
import type { SharedHealth } from './shared-health.ts'

// The router's prober kept in step with its catalogue: the backends that name a probe, each once
// (a model's aliases share its backends), re-read every `refreshMs` so a probe added, changed or
// removed in the catalogue starts, restarts or stops without a restart of the router.

/** Every probed backend of these models, once per backend id, with its timeout as capped. */
export function probeTargetsOf(models: readonly Model[], backendTimeoutMs: number): ProbedBackend[] {
  const targets = new Map<string, ProbedBackend>()
  for (const model of models) {
    for (const backend of backendsOf(model, backendTimeoutMs)) {
      if (backend.probe && !targets.has(backend.id))
        targets.set(backend.id, probedBackend(backend, backend.probe))
    }
  }
  return [...targets.values()]
}

export interface ProbingOptions {
  health: Pick<SharedHealth, 'stateOf' | 'admit' | 'report' | 'abandon'>
  models: () => readonly Model[]
  backendTimeoutMs: number
  /** How often the catalogue is re-read for probes. Default 5 s. */
  refreshMs?: number
  call?: ProbeCall<ProbedBackend>
  onError?: (error: unknown) => void
}

export function startProbing(options: ProbingOptions): Prober<ProbedBackend> {
  const prober = createProber<ProbedBackend>({
    health: options.health,
    call: options.call ?? httpProbe,
    ...(options.onError ? { onError: options.onError } : {}),
  })
  const refresh = () => prober.update(probeTargetsOf(options.models(), options.backendTimeoutMs))
  refresh()
  const timer = setInterval(refresh, options.refreshMs ?? 5000)
  timer.unref()
  return {
    ...prober,
    async close() {
      clearInterval(timer)
      await prober.close()
    },
  }
}

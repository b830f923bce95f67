import { Gauge, type Registry } from 'prom-client'
import type { CircuitOpening, HealthBoard } from '../../../infra/ports/health-board.ts'
import type { AttemptVerdict, BackendHealth } from './backend-health.ts'
import {
  admit,
  afterVerdict,
  type Circuit,
  type CircuitOptions,
  closedCircuit,
  DEFAULT_CIRCUIT,
} from './circuit.ts'

// One replica's view of every backend's circuit, shared through a health board (ADR 0019). The
// request path reads and writes only this in-memory view: a request never waits on Redis, except
// the one request that takes a half-open trial (once per cooldown per backend). Openings and
// closings are announced to the board; other replicas' announcements arrive by pub/sub, and a
// poll of the board's openings covers what pub/sub missed (a late start, a lost subscription).
// Redis down: the view goes on alone (announcements and polls fail quietly, a trial is local).

export interface SharedHealth extends BackendHealth {
  /** 0 closed, 1 half-open (cooldown over, awaiting or running its trial), 2 open. */
  stateOf(backend: string): 0 | 1 | 2
  close(): Promise<void>
}

export interface SharedHealthOptions {
  board: HealthBoard
  circuit?: CircuitOptions
  /** How often the board's openings are read. Default 2 s. */
  pollMs?: number
  now?: () => number
  onError?: (error: unknown) => void
  /** Registers the `aiaas_router_backend_state` gauge here. */
  registry?: Registry
}

export function createSharedHealth(options: SharedHealthOptions): SharedHealth {
  const circuitOptions = options.circuit ?? DEFAULT_CIRCUIT
  const now = options.now ?? Date.now
  const onError = options.onError ?? (() => {})
  const circuits = new Map<string, Circuit>()
  const get = (backend: string) => circuits.get(backend) ?? closedCircuit

  const heard = (backend: string, opening: CircuitOpening | null) => {
    if (!opening) circuits.set(backend, closedCircuit)
    else
      circuits.set(backend, { state: 'open', until: now() + opening.cooldown_ms, openings: opening.openings })
  }
  const announce = (backend: string, opening: CircuitOpening | null) =>
    options.board.announce(backend, opening).catch(onError)

  async function poll() {
    const openings = await options.board.openings()
    for (const [backend, opening] of openings) {
      // What this replica already knows as open or on trial stays; a closed view learns.
      if (get(backend).state === 'closed') heard(backend, opening)
    }
  }
  options.board.listen(heard).catch(onError)
  poll().catch(onError)
  const timer = setInterval(() => poll().catch(onError), options.pollMs ?? 2000)
  timer.unref()

  const stateOf = (backend: string): 0 | 1 | 2 => {
    const circuit = get(backend)
    if (circuit.state === 'closed') return 0
    return circuit.state === 'open' && now() < circuit.until ? 2 : 1
  }
  if (options.registry) backendStateGauge(options.registry, () => [...circuits.keys()], stateOf)

  return {
    async admit(backend) {
      const before = get(backend)
      const { admitted, next } = admit(circuitOptions, before, now())
      circuits.set(backend, next)
      if (!admitted || before.state === 'closed') return admitted
      // This request would be the trial: across replicas only one may be (Redis down: this one).
      const taken = await options.board
        .takeTrial(backend, circuitOptions.trialTimeoutMs)
        .catch((error: unknown) => {
          onError(error)
          return true
        })
      return taken
    },
    report(backend, verdict: AttemptVerdict) {
      const before = get(backend)
      const next = afterVerdict(circuitOptions, before, verdict === 'success', now())
      circuits.set(backend, next)
      if (next.state === 'open' && before.state !== 'open') {
        announce(backend, { cooldown_ms: next.until - now(), openings: next.openings })
      } else if (next.state === 'closed' && before.state !== 'closed') {
        announce(backend, null)
      }
    },
    abandon(backend) {
      const circuit = get(backend)
      if (circuit.state !== 'half_open') return
      circuits.set(backend, { state: 'open', until: now(), openings: circuit.openings })
      options.board.releaseTrial(backend).catch(onError)
    },
    stateOf,
    async close() {
      clearInterval(timer)
    },
  }
}

function backendStateGauge(
  registry: Registry,
  backends: () => string[],
  stateOf: (backend: string) => number,
) {
  new Gauge({
    name: 'aiaas_router_backend_state',
    help: "A backend's circuit as this router sees it: 0 closed, 1 half-open, 2 open (docs/routing.md)",
    labelNames: ['backend'],
    // Across a clustered router's workers: the most open circuit.
    aggregator: 'max',
    registers: [registry],
    collect() {
      for (const backend of backends()) this.set({ backend }, stateOf(backend))
    },
  })
}

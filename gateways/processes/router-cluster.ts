import cluster, { type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client'
import type { Config } from '../../infra/config/config.ts'
import type { Running, Runtime } from './runtime.ts'

// `aiaas router` on several cores (AIAAS_ROUTER_WORKERS): the primary forks workers that share
// its port (node:cluster hands them connections in turn) and does nothing else but keep them up
// and answer for /metrics. Each worker is a router replica like any other (its own key cache,
// usage spool and local copy), so what is exact across replicas (limits and budgets in Redis) is
// exact across workers.

const INDEX_VARIABLE = 'AIAAS_ROUTER_WORKER_INDEX'
const METRICS_REQUEST = 'aiaas:cluster-metrics-request'
const METRICS_ANSWER = 'aiaas:cluster-metrics-answer'
/** How long stop() waits for a worker to finish its requests and close its spool before SIGKILL. */
const STOP_GRACE_MS = 30_000
/** A worker that dies while serving is forked again after this pause. */
const RESPAWN_DELAY_MS = 1000

export const workerCount = (config: Config): number =>
  config.AIAAS_ROUTER_WORKERS === 'auto' ? availableParallelism() : config.AIAAS_ROUTER_WORKERS

/** This process is a worker of a clustered router: its index (set by the primary), else null. */
export function workerIndex(config: Config): number | null {
  return cluster.isWorker ? (config.AIAAS_ROUTER_WORKER_INDEX ?? cluster.worker?.id ?? 0) : null
}

/** A worker's own directories: its spool and local copy are not shared with another process. */
export function workerConfig(config: Config, index: number): Config {
  const own = (dir: string) => join(dir, `worker-${index}`)
  return {
    ...config,
    AIAAS_DATA_DIR: own(config.AIAAS_DATA_DIR),
    AIAAS_ROUTER_CACHE_DIR: config.AIAAS_ROUTER_CACHE_DIR && own(config.AIAAS_ROUTER_CACHE_DIR),
  }
}

/**
 * In a worker: its metrics reach the primary's aggregation, and its /metrics answers with the
 * whole router's (every worker's, summed or as each metric declares), asked of the primary.
 */
export function clusterMetricsText(rt: Runtime): () => Promise<string> {
  // Constructing one is what makes prom-client answer the primary's requests in this worker.
  new AggregatorRegistry<PrometheusContentType>()
  AggregatorRegistry.setRegistries([rt.metrics.registry])
  let next = 0
  const waiting = new Map<number, (text: string | null) => void>()
  process.on('message', (message: { type?: string; id?: number; text?: string | null }) => {
    if (message.type !== METRICS_ANSWER || message.id === undefined) return
    waiting.get(message.id)?.(message.text ?? null)
    waiting.delete(message.id)
  })
  const ask = () =>
    new Promise<string | null>((resolve) => {
      const id = next++
      waiting.set(id, resolve)
      process.send?.({ type: METRICS_REQUEST, id })
    })
  // A worker that did not answer the primary in time (prom-client waits 5 s): this one's own.
  return async () => (await ask()) ?? rt.metrics.registry.metrics()
}

const urlOf = (address: { address: string; port: number; addressType: number | string }) =>
  `http://${address.addressType === 6 ? `[${address.address}]` : address.address}:${address.port}`

interface Fleet {
  workers: Map<number, Worker>
  stopping: boolean
}

function answerMetrics(aggregator: AggregatorRegistry<PrometheusContentType>) {
  return (worker: Worker, message: { type?: string; id?: number }) => {
    if (message.type !== METRICS_REQUEST) return
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_ANSWER, id: message.id, text }),
      () => worker.send({ type: METRICS_ANSWER, id: message.id, text: null }),
    )
  }
}

function fork(fleet: Fleet, index: number, log: Runtime['log']): Worker {
  const worker = cluster.fork({ [INDEX_VARIABLE]: String(index) })
  fleet.workers.set(index, worker)
  worker.once('exit', (code, signal) => {
    if (fleet.workers.get(index) === worker) fleet.workers.delete(index)
    if (fleet.stopping) return
    log.error({ worker: index, code, signal }, 'router worker died; forking another')
    setTimeout(() => {
      if (!fleet.stopping) fork(fleet, index, log)
    }, RESPAWN_DELAY_MS).unref()
  })
  return worker
}

async function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.process.kill('SIGTERM')
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

/** Forks the workers and resolves once each listens; a worker that fails to start fails it. */
export async function startRouterCluster(rt: Runtime, count: number): Promise<Running & { url: string }> {
  const fleet: Fleet = { workers: new Map(), stopping: false }
  const aggregator = new AggregatorRegistry<PrometheusContentType>()
  cluster.on('message', answerMetrics(aggregator))
  const stop = async () => {
    fleet.stopping = true
    await Promise.all([...fleet.workers.values()].map(stopWorker))
  }
  const listening = Array.from({ length: count }, (_, index) => {
    const worker = fork(fleet, index, rt.log)
    return new Promise<string>((resolve, reject) => {
      worker.once('listening', (address) => resolve(urlOf(address)))
      worker.once('exit', (code) =>
        reject(new Error(`router worker ${index} exited (code ${code}) before listening`)),
      )
    })
  })
  try {
    const [url] = await Promise.all(listening)
    rt.log.info({ workers: count }, 'router workers listening')
    return { url: url ?? '', stop }
  } catch (error) {
    await stop()
    throw error
  }
}

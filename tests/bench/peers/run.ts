import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../../infra/config/config.ts'
import { freePort } from '../../support/ports.ts'
import { embedded, production } from './aiaas.ts'
import { missing, parseStatus, type ToolStatus } from './install-status.ts'
import { type Context, otherPeers, type PeerSpec, type Running } from './peers.ts'
import { answers, type Peer, settle, startProcess, waitReady } from './procs.ts'
import { issueRatios, ratioLines } from './ratios.ts'
import { foldTtfb, markdownTable, type PeerRounds, summarize } from './report.ts'
import { closedLoop, openLoop, type Tools } from './tools.ts'
import { timeToFirstByte } from './ttfb.ts'

// `make bench-peers` (issue 12): the router against its peers in one run — the mock called
// directly, a bare @fastify/http-proxy, Portkey, LiteLLM (one worker, a worker per core), AIaaS
// embedded and in production — each in its own process in front of one mock backend, in rounds
// that alternate (A B C … then … C B A) so the machine's load weighs on all of them. A measurement,
// not a test: nothing passes or fails on a figure. BENCH_SECONDS (4) per scenario, BENCH_ROUNDS (2);
// the AIaaS processes inherit the environment (AIAAS_ROUTER_WORKERS=auto: a router worker per core);
// BENCH_PEERS narrows the run to some peers.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PEERS_DIR = process.env.AIAAS_PEERS_DIR ?? join(ROOT, 'build/peers')
const positive = (text: string | undefined, fallback: number) =>
  Number.isInteger(Number(text)) && Number(text) > 0 ? Number(text) : fallback
const SETTINGS = {
  seconds: positive(process.env.BENCH_SECONDS, 4),
  rounds: positive(process.env.BENCH_ROUNDS, 2),
  warmup_seconds: 1,
  connections: [1, 8, 32],
  rates: [1000, 3000],
  ttfb_max_requests: 2000,
  /** `aiaas router`'s processes, from the environment as the router reads it (its default: one). */
  router_workers: process.env.AIAAS_ROUTER_WORKERS ?? 'default',
  /** BENCH_PEERS=direct,bare-proxy,aiaas-production runs only those (ids as in the JSON); default all. */
  peers: process.env.BENCH_PEERS?.split(',').filter(Boolean) ?? 'all',
}
const CORES = cpus().length
const say = (text: string) =>
  process.stderr.write(`[bench-peers ${new Date().toISOString().slice(11, 19)}] ${text}\n`)

interface LeftOut {
  id: string
  label: string
  reason: string
}

interface Active {
  spec: PeerSpec
  running: Running
  rounds: PeerRounds
  notes: string[]
}

async function readStatus(): Promise<Map<string, ToolStatus>> {
  try {
    return parseStatus(await readFile(join(PEERS_DIR, 'status.txt'), 'utf8'))
  } catch {
    return new Map()
  }
}

/** Waits out a backlog the peer was left with, so that it does not weigh on the next measurement. */
async function settleAfter(peer: Active): Promise<void> {
  if (!(await settle(peer.running.procs))) peer.notes.push('still busy 20 s after an overload')
}

async function visit(peer: Active, tools: Tools): Promise<void> {
  const { target } = peer.running
  const { seconds } = SETTINGS
  const attempt = async (what: string, measure: () => Promise<void>) => {
    try {
      await measure()
    } catch (error) {
      peer.notes.push(`${what}: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`)
    }
  }
  const { closed, open, ttfb } = peer.rounds
  if (tools.wrk) {
    await attempt('warm-up', async () => void (await closedLoop(tools, target, 8, SETTINGS.warmup_seconds)))
    for (const c of SETTINGS.connections)
      await attempt(`wrk, ${c} connections`, async () => {
        const figures = await closedLoop(tools, target, c, seconds)
        closed[c]?.push(figures)
      })
    await settleAfter(peer)
  }
  if (tools.vegeta) {
    let overloaded = false
    for (const rate of SETTINGS.rates) {
      // A peer that failed most of a lower rate only piles up a longer backlog at a higher one.
      if (overloaded) {
        peer.notes.push(`vegeta, ${rate}/s: not run, most of the lower rate already failed`)
        continue
      }
      await attempt(`vegeta, ${rate}/s`, async () => {
        const figures = await openLoop(tools, target, rate, seconds)
        open[rate]?.push(figures)
        overloaded = figures.errors > (rate * seconds) / 2
      })
      await settleAfter(peer)
    }
  }
  if (peer.running.streams)
    await attempt('time to first byte', async () => {
      const bounds = { seconds: Math.min(seconds, 3), maxRequests: SETTINGS.ttfb_max_requests }
      ttfb.push(await timeToFirstByte(target, bounds))
    })
}

const perScenario = <T>(keys: readonly number[]): Record<number, T[]> =>
  Object.fromEntries(keys.map((key) => [key, []]))

async function startAll(specs: readonly PeerSpec[], context: Context, status: Map<string, ToolStatus>) {
  const leftOut: LeftOut[] = []
  const started = await Promise.all(
    specs.map(async (spec): Promise<Active | null> => {
      const reason = missing(status, spec.needs)
      if (reason) {
        leftOut.push({ id: spec.id, label: spec.label, reason })
        return null
      }
      try {
        say(`starting ${spec.label}`)
        const running = await spec.start(context)
        const version = spec.needs ? status.get(spec.needs) : undefined
        const label = version?.ok ? `${spec.label} ${version.version}` : spec.label
        return {
          spec,
          running,
          notes: [],
          rounds: {
            id: spec.id,
            label,
            closed: perScenario(SETTINGS.connections),
            open: perScenario(SETTINGS.rates),
            ttfb: [],
          },
        }
      } catch (error) {
        leftOut.push({
          id: spec.id,
          label: spec.label,
          reason: `did not start: ${String(error).slice(0, 600)}`,
        })
        return null
      }
    }),
  )
  return { active: started.filter((peer): peer is Active => peer !== null), leftOut }
}

async function stopAll(peers: readonly Active[], mock: Peer | null): Promise<void> {
  await Promise.allSettled(
    peers.flatMap((peer) => [...peer.running.procs.map((proc) => proc.stop()), peer.running.close?.()]),
  )
  await mock?.stop()
}

/** Each round's streams as their count and percentiles, not thousands of raw samples. */
const withoutSamples = (rounds: PeerRounds) => ({
  ...rounds,
  ttfb: rounds.ttfb.map((round) => ({
    streams: round.samples_ms.length,
    errors: round.errors,
    ...foldTtfb([round]),
  })),
})

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim()
  } catch {
    return 'unknown'
  }
}

async function report(
  active: readonly Active[],
  leftOut: readonly LeftOut[],
  loads: number[],
  status: Map<string, ToolStatus>,
) {
  const summaries = active.map((peer) => summarize(peer.rounds))
  const ratios = issueRatios(summaries, `${CORES} workers`)
  const document = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    command: 'make bench-peers',
    settings: SETTINGS,
    machine: {
      nproc: CORES,
      cpu_model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      load_average_1m: { min: Math.min(...loads), max: Math.max(...loads) },
    },
    tools: Object.fromEntries(status),
    peers: active.map((peer, i) => ({
      ...summaries[i],
      rounds: withoutSamples(peer.rounds),
      notes: peer.notes,
    })),
    left_out: leftOut,
    ratios,
  }
  const table = markdownTable(summaries, { connections: SETTINGS.connections, rates: SETTINGS.rates })
  // What was not measured, and why, beside the figures: a peer left out, a load that failed.
  const lines = [
    ...ratioLines(ratios),
    ...leftOut.map((gone) => `left out ${gone.label}: ${gone.reason}`),
    ...active.flatMap((peer) => [...new Set(peer.notes)].map((note) => `${peer.rounds.label}: ${note}`)),
  ]
  console.log(JSON.stringify(document, null, 2))
  console.log(`\n${table}\n\n${lines.join('\n')}`)
  const dir = join(ROOT, 'bench-results')
  await mkdir(dir, { recursive: true })
  const stem = join(dir, `peers-${document.date.replace(/[:.]/g, '-')}`)
  await writeFile(`${stem}.json`, `${JSON.stringify(document, null, 2)}\n`)
  await writeFile(`${stem}.md`, `${table}\n\n${lines.map((line) => `- ${line}`).join('\n')}\n`)
  say(`saved ${stem}.json and .md`)
}

async function main(): Promise<void> {
  const status = await readStatus()
  const workDir = await mkdtemp(join(tmpdir(), 'aiaas-bench-peers-'))
  const tools: Tools = {
    dir: workDir,
    threads: CORES,
    wrk: missing(status, 'wrk') ? null : 'wrk',
    vegeta: missing(status, 'vegeta') ? null : join(PEERS_DIR, 'bin/vegeta'),
  }
  let mock: Peer | null = null
  let active: Active[] = []
  const loads = [loadavg()[0] ?? 0]
  // The peers run in process groups of their own, which a Ctrl-C in the terminal does not reach.
  const interrupted = () => void stopAll(active, mock).finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    const port = await freePort()
    mock = startProcess(
      'mock backend',
      process.execPath,
      [join(ROOT, 'tests/bench/peers/mock-backend.ts'), String(port)],
      {
        log: join(workDir, 'mock.log'),
      },
    )
    const context: Context = { root: ROOT, peersDir: PEERS_DIR, workDir, mock: `http://127.0.0.1:${port}` }
    await waitReady(mock, () => answers(`${context.mock}/v1/models`), 30_000)
    const specs = [...otherPeers(CORES), embedded, production(loadConfig())].filter(
      (spec) => SETTINGS.peers === 'all' || SETTINGS.peers.includes(spec.id),
    )
    const started = await startAll(specs, context, status)
    active = started.active
    for (const gone of started.leftOut) say(`left out ${gone.label}: ${gone.reason}`)
    for (let round = 0; round < SETTINGS.rounds; round++) {
      const order = round % 2 === 0 ? active : [...active].reverse()
      for (const peer of order) {
        say(`round ${round + 1}/${SETTINGS.rounds}: ${peer.rounds.label}`)
        await visit(peer, tools)
        loads.push(loadavg()[0] ?? 0)
      }
    }
    await report(active, started.leftOut, loads, status)
  } finally {
    await stopAll(active, mock)
    await rm(workDir, { recursive: true, force: true })
  }
}

await main()

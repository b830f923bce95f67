import { loadConfig } from '../../infra/config/config.ts'
import { adminBench } from './admin.bench.ts'
import { analyticsBench } from './analytics.bench.ts'
import { authzBench } from './authz.bench.ts'
import { eventStoreBench } from './event-store.bench.ts'
import { ledgerBench } from './ledger.bench.ts'
import { type Measurement, machine } from './measure.ts'
import { propagationBench } from './propagation.bench.ts'
import { routerBench } from './router.bench.ts'
import { spoolBench } from './spool.bench.ts'
import { streamBench } from './stream.bench.ts'
import { usagePublishBench } from './usage-publish.bench.ts'

// `make bench`: runs every registered benchmark against the real services (or those named on the
// command line: `node tests/bench/run.ts event-store`), then prints one JSON document and a table.
// Not a test: nothing here passes or fails on a figure. Register a benchmark by adding a line.

interface Benchmark {
  name: string
  run: () => Promise<Measurement[]>
}

const config = loadConfig()

const benchmarks: readonly Benchmark[] = [
  { name: 'event-store', run: () => eventStoreBench({ url: config.AIAAS_DATABASE_URL }) },
  { name: 'router', run: () => routerBench(config) },
  { name: 'admin', run: () => adminBench(config) },
  { name: 'propagation', run: () => propagationBench(config) },
  { name: 'authz', run: () => authzBench() },
  { name: 'spool', run: () => spoolBench(config) },
  { name: 'ledger', run: () => ledgerBench(config) },
  { name: 'analytics', run: () => analyticsBench(config) },
  { name: 'usage-publish', run: () => usagePublishBench(config) },
  { name: 'stream', run: () => streamBench() },
]

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const selected = benchmarks.filter((benchmark) => wanted.length === 0 || wanted.includes(benchmark.name))
  const results: Record<string, Measurement[]> = {}
  for (const benchmark of selected) {
    process.stderr.write(`running ${benchmark.name}…\n`)
    results[benchmark.name] = await benchmark.run()
  }
  console.log(JSON.stringify({ date: new Date().toISOString(), machine: machine(), results }, null, 2))
  for (const [name, measurements] of Object.entries(results)) {
    console.log(`\n${name}`)
    console.table(
      measurements.map(
        ({ name: scenario, ops, ops_per_s, rows_per_s, p50_ms, p99_ms, ratio_to_baseline, errors }) => ({
          scenario,
          ops,
          'ops/s': ops_per_s,
          'rows/s': rows_per_s,
          'p50 ms': p50_ms,
          'p99 ms': p99_ms,
          'x baseline': ratio_to_baseline ?? '',
          errors: errors ?? '',
        }),
      ),
    )
  }
}

await main()

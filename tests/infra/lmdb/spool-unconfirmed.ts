// Run as a child process by usage-spool-drain.int.test.ts: publishes the events given as JSON in
// argv[3] through the spool at argv[2] to a bus that never confirms, then waits to be killed.
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'

const [path, json] = process.argv.slice(2)
if (path === undefined || json === undefined) throw new Error('usage: spool-unconfirmed.ts <path> <events>')
const hanging = { publish: () => new Promise<void>(() => {}), close: async () => {} }
const spool = createSpooledUsagePublisher(hanging, { path, drainIntervalMs: 3_600_000, spoolAfterMs: 50 })
for (const event of JSON.parse(json) as UsageEvent[]) void spool.publish(event)
setInterval(() => {}, 60_000)

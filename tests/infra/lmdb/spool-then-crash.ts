// Run as a child process by usage-spool.int.test.ts: spools the events given as JSON in argv[3]
// into the LMDB spool at argv[2] while the bus is down, then dies by SIGKILL with no close().
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'

const [path, json] = process.argv.slice(2)
if (path === undefined || json === undefined) throw new Error('usage: spool-then-crash.ts <path> <events>')
const refusing = {
  publish: async () => {
    throw new Error('bus down')
  },
  close: async () => {},
}
const spool = createSpooledUsagePublisher(refusing, { path, drainIntervalMs: 60_000 })
for (const event of JSON.parse(json) as UsageEvent[]) await spool.publish(event)
process.kill(process.pid, 'SIGKILL')

// Run as a child process by usage-spool-outage.int.test.ts, as a router would use the spool: one
// usage event handed to publish every few milliseconds, without awaiting it (the router publishes
// off the response path), its id printed once handed over, and the spool's backlog every 50 ms
// (`#pending <n>`). On SIGTERM it stops and closes the
// spool, as `aiaas router` does, and exits 0 once close() has resolved.
import { v7 as uuidv7 } from 'uuid'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import { createRabbitUsagePublisher } from '../../../infra/rabbitmq/usage-bus.ts'
import { usageEvent } from '../../support/usage-event.ts'

const [path, amqpUrl, queue] = process.argv.slice(2)
if (path === undefined || amqpUrl === undefined || queue === undefined) {
  throw new Error('usage: spool-until-sigterm.ts <path> <amqp url> <queue>')
}
const spool = createSpooledUsagePublisher(
  createRabbitUsagePublisher(amqpUrl, queue, { publishTimeoutMs: 500 }),
  {
    path,
    drainIntervalMs: 100,
  },
)
const timer = setInterval(() => {
  const id = uuidv7()
  spool
    .publish(usageEvent({ id, latency_ms: 3 }))
    .catch((error: unknown) => process.stderr.write(`lost ${id}: ${String(error)}\n`))
  process.stdout.write(`${id}\n`)
}, 2)
// The backlog, for the test to wait on: `#pending <n>` lines between the ids.
const report = setInterval(() => process.stdout.write(`#pending ${spool.pending()}\n`), 50)
process.once('SIGTERM', () => {
  clearInterval(timer)
  clearInterval(report)
  spool.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`close failed: ${String(error)}\n`)
      process.exit(1)
    },
  )
})

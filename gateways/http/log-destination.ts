import { pino } from 'pino'

// Every log line of a process goes to stdout through one buffered writer: lines are written
// 4 KiB at a time (and at least every 100 ms) off the event loop, instead of one write per line.
// Measured on the router: two lines per request, each a hop to libuv's thread pool, cost more than
// its Redis round trips. pino flushes the buffer synchronously when the process exits; a process
// killed with SIGKILL loses at most the last 100 ms of lines (docs/architecture.md).
const BUFFER_BYTES = 4096
const FLUSH_EVERY_MS = 100

let shared: pino.DestinationStream | undefined

/** The process' one stdout destination, made on first use. */
export function logDestination(): pino.DestinationStream {
  shared ??= pino.destination({
    dest: 1,
    sync: false,
    minLength: BUFFER_BYTES,
    periodicFlush: FLUSH_EVERY_MS,
  })
  return shared
}

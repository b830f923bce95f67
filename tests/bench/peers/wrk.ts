import { z } from 'zod'

// wrk (closed loop): the Lua script that makes its requests POSTs and, when the run is done, prints
// one line of JSON from wrk's own latency distribution (microseconds), and the parser of that line.
// Pure: run.ts writes the script to a file and runs wrk.

export interface HttpTarget {
  url: string
  headers: Readonly<Record<string, string>>
  body: string
}

export interface LoadFigures {
  requests: number
  seconds: number
  /** Successful answers (not counted in errors) per second: a fast refusal is no throughput. */
  requests_per_s: number
  p50_ms: number
  p99_ms: number
  /** Answers that were not 2xx or 3xx plus socket errors (connect, read, write, timeout). */
  errors: number
}

const MARKER = 'WRK_JSON '

/** A Lua long string that cannot be closed early by the text it quotes. */
function luaString(text: string): string {
  let level = ''
  while (text.includes(`]${level}]`)) level += '='
  return `[${level}[${text}]${level}]`
}

export function wrkScript(target: HttpTarget): string {
  const headers = Object.entries(target.headers)
    .map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`)
    .join('\n')
  return `wrk.method = "POST"
wrk.body = ${luaString(target.body)}
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${MARKER}{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%.1f,"p99_us":%.1f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`
}

const wrkLine = z.object({
  requests: z.number(),
  duration_us: z.number(),
  status_errors: z.number(),
  socket_errors: z.number(),
  p50_us: z.number(),
  p99_us: z.number(),
})

const ms = (us: number) => Math.round(us) / 1000

/** The figures of one wrk run, from its whole stdout (the script's summary line is in it). */
export function parseWrk(stdout: string): LoadFigures {
  const line = stdout.split('\n').find((text) => text.startsWith(MARKER))
  if (!line) throw new Error(`wrk printed no summary line:\n${stdout.slice(0, 500)}`)
  const run = wrkLine.parse(JSON.parse(line.slice(MARKER.length)))
  const seconds = run.duration_us / 1e6
  return {
    requests: run.requests,
    seconds,
    requests_per_s: seconds > 0 ? Math.round(((run.requests - run.status_errors) / seconds) * 10) / 10 : 0,
    p50_ms: ms(run.p50_us),
    p99_ms: ms(run.p99_us),
    errors: run.status_errors + run.socket_errors,
  }
}

/** wrk's arguments: one thread per connection up to the cores, a timeout errors count as. */
export function wrkArgs(options: {
  url: string
  connections: number
  seconds: number
  script: string
  threads: number
}) {
  const threads = Math.max(1, Math.min(options.threads, options.connections))
  return [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    options.script,
    options.url,
  ]
}

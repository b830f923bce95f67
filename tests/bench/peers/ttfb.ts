import { Agent, request } from 'node:http'
import type { TtfbRound } from './report.ts'
import type { HttpTarget } from './wrk.ts'

// Streamed chat completions one at a time over one kept-alive connection: the time from sending a
// request to the first byte of its body (the first server-sent event), what a chat UI waits for.
// Bounded in count and time; a stream that is not 200 or does not end with [DONE] is an error.

const WARM_UP = 20

function streamOnce(target: HttpTarget, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const headers = { ...target.headers, 'content-length': String(Buffer.byteLength(body)) }
    const req = request(target.url, { method: 'POST', headers, agent, timeout: 10_000 }, (response) => {
      let first = -1
      let tailText = ''
      response.on('data', (part: Buffer) => {
        if (first < 0) first = performance.now() - started
        tailText = (tailText + part.toString()).slice(-64)
      })
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`))
        else if (!tailText.includes('[DONE]')) reject(new Error('the stream did not end with [DONE]'))
        else resolve(first)
      })
      response.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')))
    req.on('error', reject)
    req.end(body)
  })
}

export async function timeToFirstByte(
  target: HttpTarget,
  options: { seconds: number; maxRequests: number },
): Promise<TtfbRound> {
  const body = JSON.stringify({ ...JSON.parse(target.body), stream: true })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const samples_ms: number[] = []
  let errors = 0
  try {
    const deadline = performance.now() + options.seconds * 1000
    for (let i = 0; i < WARM_UP + options.maxRequests && performance.now() < deadline; i++) {
      try {
        const ms = await streamOnce(target, body, agent)
        if (i >= WARM_UP) samples_ms.push(ms)
      } catch {
        if (i >= WARM_UP) errors++
      }
    }
  } finally {
    agent.destroy()
  }
  return { samples_ms, errors }
}

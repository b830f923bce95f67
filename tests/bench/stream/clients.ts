import type { Pool } from 'undici'

// The streaming benchmark's client side: one streamed chat completion, timed to its first body
// byte and read to its end, or opened and left idle. The same bytes go to every target.

export interface Target {
  name: string
  /** http://127.0.0.1:<port> */
  origin: string
  pool: Pool
  /** An API key for the router; null for the mock and the bare proxy. */
  key: string | null
  /** The process whose CPU and memory are measured (null: not measured). */
  pid: number | null
}

/** A chat body whose echo streams `words` content chunks, paced as the mock is asked (gateways/mock-model/pace.ts). */
export function streamBody(words: number, metadata: Record<string, string> = {}): string {
  const content = Array.from({ length: words }, (_, i) => `w${i}`).join(' ')
  return JSON.stringify({
    model: 'echo',
    stream: true,
    // Asked by every client: the router always asks its backend, so the backends send the same.
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content }],
    metadata,
  })
}

const headersOf = (target: Target) => ({
  'content-type': 'application/json',
  ...(target.key ? { authorization: `Bearer ${target.key}` } : {}),
})

async function open(target: Target, body: string, signal?: AbortSignal, pool: Pool = target.pool) {
  const response = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: headersOf(target),
    body,
    ...(signal ? { signal } : {}),
  })
  if (response.statusCode !== 200) {
    const text = await response.body.text()
    throw new Error(`${target.name}: HTTP ${response.statusCode} ${text.slice(0, 200)}`)
  }
  return response.body
}

/** One stream read to its end: ms to its first body byte, and its bytes (the stream ends with [DONE]). */
export async function timedStream(target: Target, body: string): Promise<{ ttfbMs: number; bytes: number }> {
  const started = performance.now()
  const stream = await open(target, body)
  let ttfbMs = -1
  let bytes = 0
  let tail = ''
  for await (const piece of stream as AsyncIterable<Buffer>) {
    if (ttfbMs < 0) ttfbMs = performance.now() - started
    bytes += piece.length
    tail = (tail + piece.toString('latin1')).slice(-32)
  }
  if (!tail.endsWith('data: [DONE]\n\n')) throw new Error(`${target.name}: a stream ended without [DONE]`)
  return { ttfbMs, bytes }
}

/**
 * Opens a stream and waits for its first body byte, within `timeoutMs`; the stream stays open
 * until `signal` aborts.
 */
export async function idleStream(
  target: Target,
  body: string,
  signal: AbortSignal,
  pool: Pool,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${target.name}: no first byte in ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    const stream = await Promise.race([open(target, body, signal, pool), late])
    stream.on('error', () => {})
    const first = new Promise<void>((resolve, reject) => {
      stream.once('data', () => resolve())
      stream.once('end', () => reject(new Error(`${target.name}: an idle stream ended`)))
    })
    await Promise.race([first, late])
    // Read no further: what arrives later waits in this client's buffers, not the router's.
    stream.pause()
  } finally {
    clearTimeout(timer)
  }
}

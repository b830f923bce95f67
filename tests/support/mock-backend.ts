import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { listenOnStablePort } from './ports.ts'

// A scriptable OpenAI-compatible chat completions backend for routing tests: streamed and not,
// with latency, a token rate, 5xx, 429 with Retry-After, stalls, cuts mid-stream and slow headers,
// recording what it received and whether the client closed before the answer was complete.
// Kept out of gateways/mock-model (the `make run` echo model), which needs none of these faults.

export interface Behaviour {
  /** HTTP status; a non-2xx answers `error` as JSON. Default 200. */
  status?: number
  error?: unknown
  retryAfter?: string
  /** Delay before the response headers. */
  headersDelayMs?: number
  /** Never send headers, or send headers and then nothing. */
  stall?: 'headers' | 'body'
  /** The generated text, split into word deltas when streamed. Default `hello from <name>`. */
  reply?: string
  /** Delay before each streamed content delta. */
  tokenIntervalMs?: number
  /** Streams: destroy the connection after this many content deltas. */
  cutAfterDeltas?: number
  /** Streams: destroy the connection after the role-only preamble, before any content. */
  cutAfterPreamble?: boolean
  /** Streams: send this many content deltas, then nothing more (the connection stays open). */
  stallAfterDeltas?: number
}

export interface Received {
  headers: IncomingHttpHeaders
  body: Record<string, unknown>
  /** True once the client closed the connection before the answer was complete. */
  closedEarly: boolean
  /** Resolves when the exchange is over (answered, cut, or closed by the client). */
  over: Promise<void>
}

export interface MockBackend {
  name: string
  /** Base URL, ending in /v1. */
  url: string
  received: Received[]
  /** TCP connections accepted so far (keep-alive reuses one). */
  connections(): number
  /** Behaviours for the next requests, in order; after them `always`'s. */
  next(...behaviours: Behaviour[]): void
  always(behaviour: Behaviour): void
  close(): Promise<void>
}

const deltasOf = (text: string) => text.match(/\S+\s*|\s+/g) ?? []

function chunk(model: unknown, choices: unknown[], extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 0, model, choices, ...extra })}\n\n`
}

async function streamAnswer(res: ServerResponse, body: Record<string, unknown>, text: string, b: Behaviour) {
  // Each write waits until it left the process, so a cut after it never swallows it.
  const write = (data: string) => new Promise<void>((resolve) => res.write(data, () => resolve()))
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  await write(
    chunk(body.model, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  )
  if (b.cutAfterPreamble) return res.destroy()
  const deltas = deltasOf(text)
  for (const [index, delta] of deltas.entries()) {
    if (b.cutAfterDeltas === index) return res.destroy()
    if (b.stallAfterDeltas === index) return
    if (b.tokenIntervalMs) await sleep(b.tokenIntervalMs)
    if (res.destroyed) return
    await write(chunk(body.model, [{ index: 0, delta: { content: delta }, finish_reason: null }]))
  }
  await write(chunk(body.model, [{ index: 0, delta: {}, finish_reason: 'stop' }]))
  const usage = { prompt_tokens: 10, completion_tokens: deltas.length, total_tokens: 10 + deltas.length }
  const options = body.stream_options as { include_usage?: boolean } | undefined
  if (options?.include_usage) await write(chunk(body.model, [], { usage }))
  res.end('data: [DONE]\n\n')
}

function jsonAnswer(res: ServerResponse, body: Record<string, unknown>, text: string) {
  const completion_tokens = deltasOf(text).length
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      id: 'chatcmpl-mock',
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null },
      ],
      usage: { prompt_tokens: 10, completion_tokens, total_tokens: 10 + completion_tokens },
    }),
  )
}

async function answer(res: ServerResponse, body: Record<string, unknown>, b: Behaviour, name: string) {
  if (b.stall === 'headers') return
  if (b.headersDelayMs) await sleep(b.headersDelayMs)
  const status = b.status ?? 200
  if (status >= 300) {
    const headers = {
      'content-type': 'application/json',
      ...(b.retryAfter ? { 'retry-after': b.retryAfter } : {}),
    }
    res.writeHead(status, headers)
    return res.end(JSON.stringify(b.error ?? { error: { message: `mock ${status}`, type: 'api_error' } }))
  }
  if (b.stall === 'body') return res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders()
  const text = b.reply ?? `hello from ${name}`
  return body.stream === true ? streamAnswer(res, body, text, b) : jsonAnswer(res, body, text)
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>
}

export async function startMockBackend(name = 'mock'): Promise<MockBackend> {
  const queue: Behaviour[] = []
  let fallback: Behaviour = {}
  const received: Received[] = []
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    let settle = () => {}
    const entry: Received = {
      headers: req.headers,
      body,
      closedEarly: false,
      over: new Promise((r) => (settle = r)),
    }
    received.push(entry)
    res.on('close', () => {
      entry.closedEarly = !res.writableFinished
      settle()
    })
    await answer(res, body, queue.shift() ?? fallback, name).catch(() => res.destroy())
  })
  let connections = 0
  server.on('connection', () => {
    connections += 1
  })
  const port = await listenOnStablePort(server)
  return {
    name,
    url: `http://127.0.0.1:${port}/v1`,
    received,
    connections: () => connections,
    next: (...behaviours) => queue.push(...behaviours),
    always: (behaviour) => {
      fallback = behaviour
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

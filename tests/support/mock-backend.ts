import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { listenOnStablePort } from './ports.ts'

// A scriptable OpenAI-compatible backend for routing tests: chat completions streamed and not,
// with latency, a token rate, 5xx, 429 with Retry-After, stalls, cuts mid-stream and slow headers,
// recording what it received and whether the client closed before the answer was complete. Text
// completions and responses (streamed and not, with the same cuts) and embeddings are answered
// too, after the same status, header delay and stall behaviours.
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
  /** The request's path, e.g. `/v1/chat/completions`. */
  path: string
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
  /** GET requests (probes: `/health`, `/v1/models`) received so far, by path and headers. */
  probes: { path: string; headers: IncomingHttpHeaders }[]
  /** The status GET probes are answered with from now on (default 200). */
  probeStatus(status: number): void
  /** Behaviours for the next requests, in order; after them `always`'s. */
  next(...behaviours: Behaviour[]): void
  always(behaviour: Behaviour): void
  close(): Promise<void>
}

const deltasOf = (text: string) => text.match(/\S+\s*|\s+/g) ?? []

function chunk(model: unknown, choices: unknown[], extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 0, model, choices, ...extra })}\n\n`
}

/** A legacy text completion chunk (`/v1/completions`): choices carry `text`, not a delta. */
const textChunk = (model: unknown, text: string, finish_reason: string | null) =>
  `data: ${JSON.stringify({ id: 'cmpl-mock', object: 'text_completion', created: 0, model, choices: [{ index: 0, text, finish_reason, logprobs: null }] })}\n\n`

async function streamText(res: ServerResponse, body: Record<string, unknown>, text: string, b: Behaviour) {
  const write = (data: string) => new Promise<void>((resolve) => res.write(data, () => resolve()))
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  const deltas = deltasOf(text)
  for (const [index, delta] of deltas.entries()) {
    if (b.cutAfterDeltas === index) return res.destroy()
    if (b.tokenIntervalMs) await sleep(b.tokenIntervalMs)
    await write(textChunk(body.model, delta, null))
  }
  await write(textChunk(body.model, '', 'length'))
  const usage = { prompt_tokens: 10, completion_tokens: deltas.length, total_tokens: 10 + deltas.length }
  const options = body.stream_options as { include_usage?: boolean } | undefined
  if (options?.include_usage) await write(chunk(body.model, [], { object: 'text_completion', usage }))
  res.end('data: [DONE]\n\n')
}

/** A Responses API stream: typed events, `event:` lines, usage in `response.completed`, no [DONE]. */
async function streamResponse(
  res: ServerResponse,
  body: Record<string, unknown>,
  text: string,
  b: Behaviour,
) {
  let sequence_number = 0
  const write = (type: string, fields: Record<string, unknown>) =>
    new Promise<void>((resolve) =>
      res.write(
        `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence_number++, ...fields })}\n\n`,
        () => resolve(),
      ),
    )
  const response = {
    id: 'resp_mock',
    object: 'response',
    created_at: 0,
    model: body.model,
    output: [] as unknown[],
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  await write('response.created', { response: { ...response, status: 'in_progress' } })
  await write('response.in_progress', { response: { ...response, status: 'in_progress' } })
  const item = { type: 'message', id: 'msg_mock', status: 'in_progress', role: 'assistant', content: [] }
  await write('response.output_item.added', { output_index: 0, item })
  await write('response.content_part.added', {
    item_id: 'msg_mock',
    output_index: 0,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [] },
  })
  if (b.cutAfterPreamble) return res.destroy()
  const deltas = deltasOf(text)
  for (const [index, delta] of deltas.entries()) {
    if (b.cutAfterDeltas === index) return res.destroy()
    if (b.tokenIntervalMs) await sleep(b.tokenIntervalMs)
    await write('response.output_text.delta', {
      item_id: 'msg_mock',
      output_index: 0,
      content_index: 0,
      delta,
    })
  }
  await write('response.output_text.done', { item_id: 'msg_mock', output_index: 0, content_index: 0, text })
  const usage = { input_tokens: 12, output_tokens: deltas.length, total_tokens: 12 + deltas.length }
  const message = { ...item, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }
  await write('response.output_item.done', { output_index: 0, item: message })
  await write('response.completed', {
    response: { ...response, status: 'completed', output: [message], usage },
  })
  res.end()
}

function json(res: ServerResponse, answer: unknown) {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(answer))
}

/** /v1/completions, /v1/embeddings and /v1/responses, each as OpenAI answers it. */
function otherAnswer(res: ServerResponse, path: string, body: Record<string, unknown>, text: string) {
  const output_tokens = deltasOf(text).length
  if (path.endsWith('/embeddings')) {
    const count = Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input.length : 1
    const data = Array.from({ length: count }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: [0.1, 0.2, 0.3],
    }))
    return json(res, {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: 7, total_tokens: 7 },
    })
  }
  if (path.endsWith('/responses')) {
    const message = {
      type: 'message',
      id: 'msg_mock',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    }
    const usage = { input_tokens: 12, output_tokens, total_tokens: 12 + output_tokens }
    return json(res, {
      id: 'resp_mock',
      object: 'response',
      created_at: 0,
      status: 'completed',
      model: body.model,
      output: [message],
      usage,
    })
  }
  const choices = [{ index: 0, text, finish_reason: 'length', logprobs: null }]
  const usage = { prompt_tokens: 10, completion_tokens: output_tokens, total_tokens: 10 + output_tokens }
  return json(res, {
    id: 'cmpl-mock',
    object: 'text_completion',
    created: 0,
    model: body.model,
    choices,
    usage,
  })
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

async function answer(res: ServerResponse, req: Received, b: Behaviour, name: string) {
  const { body, path } = req
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
  if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) {
    return body.stream === true ? streamText(res, body, text, b) : otherAnswer(res, path, body, text)
  }
  if (path.endsWith('/responses') && body.stream === true) return streamResponse(res, body, text, b)
  if (!path.endsWith('/chat/completions')) return otherAnswer(res, path, body, text)
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
  const probes: MockBackend['probes'] = []
  let probeStatus = 200
  const server = createServer(async (req, res) => {
    if (req.method === 'GET') {
      probes.push({ path: req.url ?? '/', headers: req.headers })
      res.writeHead(probeStatus, { 'content-type': 'application/json' })
      res.end(JSON.stringify(probeStatus === 200 ? { object: 'list', data: [] } : { error: 'unhealthy' }))
      return
    }
    const body = await readBody(req)
    let settle = () => {}
    const entry: Received = {
      path: req.url ?? '/',
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
    await answer(res, entry, queue.shift() ?? fallback, name).catch(() => res.destroy())
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
    probes,
    probeStatus: (status) => {
      probeStatus = status
    },
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

/** Mock backends `a` and `b`, each closed through `closeLater` (a test's list of closers). */
export async function startMockBackendPair(
  closeLater: (...closers: Array<() => Promise<void>>) => void,
): Promise<[MockBackend, MockBackend]> {
  const a = await startMockBackend('a')
  const b = await startMockBackend('b')
  closeLater(
    () => a.close(),
    () => b.close(),
  )
  return [a, b]
}

import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateMessagesRequest } from './mock-anthropic-validate.ts'

// A mock of Anthropic's Messages API (POST /v1/messages), written from its published reference:
// it checks each request as the real API does (mock-anthropic-validate.ts) and answers scripted
// replies, whole or as the API's event stream (message_start, ping, content_block_start / delta /
// stop, message_delta, message_stop; `error` events), or scripted error answers.

export type MockBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: object }

export interface MockUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
}

export type MockReply =
  | {
      kind: 'message'
      content: MockBlock[]
      stop_reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use'
      usage?: MockUsage
      /** Streamed only: send an `error` event of this type after this many events, then end. */
      error_after?: { events: number; type: string; message: string }
    }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }

export interface ReceivedRequest {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface MockAnthropic {
  /** The API base to configure a backend with (…/v1). */
  url: string
  requests: ReceivedRequest[]
  /** Queues replies, answered in order to valid requests; with none queued: "Hello!". */
  script(...replies: MockReply[]): void
  close(): Promise<void>
}

const DEFAULT_USAGE: MockUsage = { input_tokens: 12, output_tokens: 5 }

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_mock', ...headers })
  res.end(JSON.stringify(body))
}

const errorBody = (type: string, message: string) => ({
  type: 'error',
  error: { type, message },
  request_id: 'req_mock',
})

function message(reply: Extract<MockReply, { kind: 'message' }>, model: string, id: string) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: reply.content,
    stop_reason: reply.stop_reason,
    stop_sequence: null,
    usage: reply.usage ?? DEFAULT_USAGE,
  }
}

/** The events of a whole message as the API streams it: text in pieces, tool input as JSON pieces. */
export function streamEvents(reply: Extract<MockReply, { kind: 'message' }>, model: string, id: string) {
  const usage = reply.usage ?? DEFAULT_USAGE
  const start = {
    ...message(reply, model, id),
    content: [],
    stop_reason: null,
    usage: { ...usage, output_tokens: 1 },
  }
  const events: object[] = [{ type: 'message_start', message: start }, { type: 'ping' }]
  reply.content.forEach((block, index) => {
    const pieces = (text: string) => text.match(/[\s\S]{1,4}/g) ?? []
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const text of pieces(block.text))
        events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })
    } else {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } })
      for (const partial_json of pieces(JSON.stringify(block.input))) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })
      }
    }
    events.push({ type: 'content_block_stop', index })
  })
  events.push({
    type: 'message_delta',
    delta: { stop_reason: reply.stop_reason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  })
  events.push({ type: 'message_stop' })
  return events
}

function stream(
  res: ServerResponse,
  reply: Extract<MockReply, { kind: 'message' }>,
  model: string,
  id: string,
) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': 'req_mock',
  })
  let events = streamEvents(reply, model, id)
  if (reply.error_after) {
    const { type, message: text } = reply.error_after
    events = [...events.slice(0, reply.error_after.events), { type: 'error', error: { type, message: text } }]
  }
  for (const event of events) {
    const name = 'type' in event ? String(event.type) : 'message'
    res.write(`event: ${name}\ndata: ${JSON.stringify(event)}\n\n`)
  }
  res.end()
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(Buffer.from(chunk))
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}

export async function startMockAnthropic(options: { apiKey: string }): Promise<MockAnthropic> {
  const queue: MockReply[] = []
  const requests: ReceivedRequest[] = []
  let served = 0
  const server = createServer(async (req, res) => {
    const body = await readJson(req)
    requests.push({ path: req.url ?? '', headers: req.headers, body })
    if (req.method !== 'POST' || req.url !== '/v1/messages') {
      return send(res, 404, errorBody('not_found_error', `Not found: ${req.method} ${req.url}`))
    }
    const refusal = validateMessagesRequest(req.headers, body, options.apiKey)
    if (refusal) return send(res, refusal.status, errorBody(refusal.type, refusal.message))
    const reply = queue.shift() ?? {
      kind: 'message',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
    }
    if (reply.kind === 'error')
      return send(res, reply.status, errorBody(reply.type, reply.message), reply.headers)
    const fields = typeof body === 'object' && body !== null ? body : {}
    const model = 'model' in fields ? String(fields.model) : ''
    const id = `msg_mock${++served}`
    if ('stream' in fields && fields.stream === true) return stream(res, reply, model, id)
    return send(res, 200, message(reply, model, id))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** A response body's server-sent events ({ raw, data }), as a client of the mock reads them. */
export async function* readSseEvents(body: AsyncIterable<Uint8Array | string>) {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true })
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const raw = buffer.slice(0, end + 2)
      buffer = buffer.slice(end + 2)
      const data = raw
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n')
      yield { raw, data }
    }
  }
}

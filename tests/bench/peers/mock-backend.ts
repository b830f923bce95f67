import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

// The one backend every peer of `make bench-peers` forwards to, in its own process: an
// OpenAI-compatible /v1/chat/completions that answers a fixed small completion, pre-serialised, so
// the mock costs as little as it can and the figures are the proxies'. `stream: true` gets the same
// completion as server-sent events (a role chunk, two content chunks, a finish chunk, usage when
// asked for, [DONE]), the first chunk written with the headers so a client can time its first byte.
//
//   node tests/bench/peers/mock-backend.ts <port>

const CREATED = 1_764_000_000
const ID = 'chatcmpl-bench'
const USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }

const COMPLETION = JSON.stringify({
  id: ID,
  object: 'chat.completion',
  created: CREATED,
  model: 'echo',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'hello there' },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: USAGE,
})

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model: 'echo', choices, ...extra })}\n\n`
const delta = (content: Record<string, string>, finish: string | null = null) =>
  chunk([{ index: 0, delta: content, finish_reason: finish, logprobs: null }])

const FIRST_CHUNK = delta({ role: 'assistant', content: '' })
const REST = [delta({ content: 'hello' }), delta({ content: ' there' }), delta({}, 'stop')].join('')
const USAGE_CHUNK = chunk([], { usage: USAGE })
const DONE = 'data: [DONE]\n\n'

const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION) }
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

interface StreamFlags {
  stream: boolean
  includeUsage: boolean
}

/** Only what the answer depends on; a body that is not JSON is refused as OpenAI would. */
function flagsOf(body: string): StreamFlags | null {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed !== 'object' || parsed === null) return null
    const stream = 'stream' in parsed && parsed.stream === true
    const options = 'stream_options' in parsed ? parsed.stream_options : null
    const includeUsage =
      typeof options === 'object' &&
      options !== null &&
      'include_usage' in options &&
      options.include_usage === true
    return { stream, includeUsage }
  } catch {
    return null
  }
}

function answer(flags: StreamFlags, response: ServerResponse): void {
  if (!flags.stream) {
    response.writeHead(200, JSON_HEADERS).end(COMPLETION)
    return
  }
  response.writeHead(200, SSE_HEADERS)
  response.write(FIRST_CHUNK)
  response.end(REST + (flags.includeUsage ? USAGE_CHUNK : '') + DONE)
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  if (request.method === 'GET' && request.url === '/v1/models') {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({ object: 'list', data: [{ id: 'echo', object: 'model', owned_by: 'bench' }] }),
    )
    return
  }
  if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}')
    return
  }
  const parts: Buffer[] = []
  request.on('data', (part: Buffer) => parts.push(part))
  request.on('end', () => {
    const flags = flagsOf(Buffer.concat(parts).toString())
    if (flags) answer(flags, response)
    else
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}')
  })
}

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: mock-backend.ts <port>')
const server = createServer({ keepAliveTimeout: 60_000 }, handle)
server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))

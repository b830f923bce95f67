import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnStablePort } from './ports.ts'

// An OpenAI-compatible chat backend (streamed or not) whose every answer costs the same known usage (10 prompt
// tokens, 2 completion tokens) and waits at a gate the test opens: requests a router admitted are
// held in flight, deterministically, while the test changes a budget. The gate starts open.

export const GATED_USAGE = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }

export interface GatedBackend {
  /** Base URL, ending in /v1. */
  url: string
  /** Chat requests received so far (answered or waiting). */
  arrived(): number
  /** From now on, answers wait until open(). */
  close(): void
  /** Answers every waiting request and those after it. */
  open(): void
  stop(): Promise<void>
}

async function drain(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>
}

/** A chat stream of `a b`, its usage in a last chunk when the caller asked for it. */
function stream(res: ServerResponse, body: Record<string, unknown>) {
  const chunk = (choices: unknown[], extra: object = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-gated', object: 'chat.completion.chunk', created: 0, model: body.model, choices, ...extra })}\n\n`
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: 'a ' }, finish_reason: null }]))
  res.write(chunk([{ index: 0, delta: { content: 'b' }, finish_reason: null }]))
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]))
  const options = body.stream_options as { include_usage?: boolean } | undefined
  if (options?.include_usage) res.write(chunk([], { usage: GATED_USAGE }))
  res.end('data: [DONE]\n\n')
}

export async function startGatedBackend(): Promise<GatedBackend> {
  let arrived = 0
  let gate: Promise<void> = Promise.resolve()
  let release = () => {}
  const server = createServer(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ object: 'list', data: [] }))
      return
    }
    const body = await drain(req)
    arrived += 1
    await gate
    if (body.stream === true) return stream(res, body)
    const message = { role: 'assistant', content: 'a b' }
    const choices = [{ index: 0, message, finish_reason: 'stop', logprobs: null }]
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: 'chatcmpl-gated',
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices,
        usage: GATED_USAGE,
      }),
    )
  })
  const port = await listenOnStablePort(server)
  return {
    url: `http://127.0.0.1:${port}/v1`,
    arrived: () => arrived,
    close() {
      gate = new Promise((resolve) => {
        release = resolve
      })
    },
    open() {
      release()
      gate = Promise.resolve()
    },
    stop: () =>
      new Promise<void>((resolve) => {
        release()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

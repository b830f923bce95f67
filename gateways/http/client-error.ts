import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError } from 'fastify'
import { type ErrorCode, errorCatalog } from './errors/catalog.ts'
import { errorFormatFor } from './errors/reply.ts'

// Requests Node's HTTP parser rejects (malformed request line, headers over maxHeaderSize, a
// request too slow to arrive) never reach fastify's routes or error handler: Node's `clientError`
// event gets the raw socket. The answer is written raw in our error shapes: OpenAI's when the
// request line Node hands over names a /v1 path, problem+json otherwise (also when the request
// line is not known, e.g. it arrived in an earlier packet than the one that failed).

const codeOf = (error: ConnectionError): ErrorCode => {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE'
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT'
  return 'MALFORMED_REQUEST'
}

/** The path of the request line at the start of `raw`, when it is there and readable. */
export function requestPath(raw: unknown): string | null {
  if (!Buffer.isBuffer(raw)) return null
  const line = raw.subarray(0, 2048).toString('latin1')
  const match = /^[A-Z]+ (\/[^ \r\n?#]*)/.exec(line)
  return match?.[1] ?? null
}

export function clientErrorBody(code: ErrorCode, path: string | null): { type: string; body: string } {
  const spec = errorCatalog[code]
  if (path !== null && errorFormatFor(path) === 'openai') {
    const error = { message: spec.title, type: spec.openai_type, param: null, code: code.toLowerCase() }
    return { type: 'application/json', body: JSON.stringify({ error }) }
  }
  const problem = {
    type: `https://aiaas.dev/errors/${code.toLowerCase().replaceAll('_', '-')}`,
    title: spec.title,
    status: spec.status,
    detail: spec.title,
    code,
  }
  return { type: 'application/problem+json', body: JSON.stringify(problem) }
}

/** fastify's `clientErrorHandler` (Node gives `rawPacket` as a Buffer, whatever fastify's type says): answers once in our shape, then closes the connection. */
export function clientErrorHandler(error: ConnectionError, socket: Socket) {
  // A reset or destroyed socket has no one left to answer (Node's own handler does the same).
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy(error)
    return
  }
  const code = codeOf(error)
  const { type, body } = clientErrorBody(code, requestPath(error.rawPacket))
  const status = errorCatalog[code].status
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

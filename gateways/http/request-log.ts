import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { clip } from './clip.ts'

// What a request puts in every log line and response is bounded: a caller's x-request-id is kept
// only when it looks like an id, and the logged URL is clipped (a URL can fill the 16 KiB header
// limit).
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The caller's x-request-id when it looks like an id, else a fresh UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

/** An invitation token in a path is a credential: never in a log line. */
const withoutInvitationToken = (url: string) =>
  url.replace(/\/invitations\/[^/?#]+/, '/invitations/[redacted]')

/** pino's `req` serializer: fastify's default fields, with the URL and host clipped. */
export function requestForLog(request: {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}) {
  return {
    method: request.method,
    url: clip(withoutInvitationToken(request.url ?? '')),
    host: clip(request.host ?? ''),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

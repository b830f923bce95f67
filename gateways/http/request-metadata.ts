import type { FastifyRequest } from 'fastify'
import type { EventMetadata } from '../../infra/ports/event-store.ts'
import { clip } from './clip.ts'

/** A User-Agent is stored in every event it causes: bounded, as anything a client sends. */
export const USER_AGENT_MAX_CHARS = 256

/**
 * The metadata of an event an HTTP request causes (docs/events.md): who, which request, and from
 * where. `request.ip` is the peer address: the server trusts no proxy header, so a
 * forwarded-for value cannot be forged into the log.
 */
export function requestMetadata(request: FastifyRequest, actor: string, source: string): EventMetadata {
  const agent = request.headers['user-agent']
  return {
    actor,
    correlation_id: request.id,
    causation_id: null,
    source,
    source_ip: request.ip,
    user_agent: typeof agent === 'string' ? clip(agent, USER_AGENT_MAX_CHARS) : null,
  }
}

import { request } from 'undici'
import type { Probe } from '../../../domain/models/model.ts'
import type { Provider, RoutedBackend } from '../models.ts'
import { messagesHeaders } from '../providers/anthropic/request.ts'
import type { ProbeCall, ProbeTarget } from './prober.ts'

// The HTTP side of an active probe: `GET <path>` on the backend's origin (vLLM serves /health
// there, OpenAI-compatible servers and Anthropic serve /v1/models), with the backend's own
// credentials and headers, so a probe fails when a request would for want of them. Any 2xx is
// healthy; anything else, a connect error or the timeout is a failure.

export interface ProbedBackend extends ProbeTarget {
  /** The absolute URL probed. */
  url: string
  headers: Readonly<Record<string, string>>
}

/** Anthropic takes its key as x-api-key with a version header; the others as configured (bearer). */
function probeHeaders(provider: Provider, headers: Readonly<Record<string, string>>) {
  if (provider !== 'anthropic') return headers
  let apiKey: string | null = null
  const rest: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization') apiKey = value.replace(/^Bearer\s+/i, '')
    else rest[name] = value
  }
  const { 'content-type': _, ...messages } = messagesHeaders(apiKey, rest)
  return { ...messages, accept: 'application/json' }
}

export function probedBackend(backend: RoutedBackend, probe: Probe): ProbedBackend {
  return {
    id: backend.id,
    url: new URL(probe.path, backend.url).toString(),
    headers: probeHeaders(backend.provider, backend.headers),
    interval_ms: probe.interval_ms,
    timeout_ms: backend.timeout_ms,
  }
}

export const httpProbe: ProbeCall<ProbedBackend> = async (target, signal) => {
  const response = await request(target.url, { method: 'GET', headers: target.headers, signal })
  // The body is not needed: read it away so the socket goes back to the pool.
  await response.body.dump()
  return response.statusCode >= 200 && response.statusCode < 300
}

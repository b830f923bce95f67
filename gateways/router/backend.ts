import { Agent, type Dispatcher, errors, request } from 'undici'
import { AppError } from '../../domain/errors.ts'
import type { Model } from './models.ts'

export interface BackendResponse {
  status: number
  body: Dispatcher.ResponseData['body']
  contentType: string
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/** Maps a transport failure to BACKEND_TIMEOUT or BACKEND_UNAVAILABLE, keeping no backend detail. */
export function backendFailure(model: Model, error: unknown): AppError {
  const code = error instanceof errors.UndiciError ? error.code : undefined
  if (code && timeoutCodes.has(code)) {
    return new AppError('BACKEND_TIMEOUT', `the backend of model ${model.name} did not answer in time`)
  }
  return new AppError('BACKEND_UNAVAILABLE', `the backend of model ${model.name} is unavailable`)
}

// One connection pool per model reached over a Unix socket; it goes when the model object goes.
const socketAgents = new WeakMap<Model, Agent>()

function dispatcherOf(model: Model): Dispatcher | undefined {
  const socketPath = model.backend_socket_path
  if (socketPath === undefined) return undefined
  let agent = socketAgents.get(model)
  if (!agent) {
    agent = new Agent({ connect: { socketPath } })
    socketAgents.set(model, agent)
  }
  return agent
}

/** POSTs an OpenAI-compatible request to the model's backend; transport failures become AppErrors. */
export async function postToBackend(
  model: Model,
  path: string,
  payload: Record<string, unknown>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<BackendResponse> {
  const url = `${model.backend_url.replace(/\/$/, '')}${path}`
  try {
    const response = await request(url, {
      method: 'POST',
      headers: {
        ...model.backend_headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ ...payload, model: model.backend_model ?? model.name }),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: options.signal,
      dispatcher: dispatcherOf(model),
    })
    const contentType = response.headers['content-type']
    return {
      status: response.statusCode,
      body: response.body,
      contentType: typeof contentType === 'string' ? contentType : 'application/json',
    }
  } catch (error) {
    throw backendFailure(model, error)
  }
}

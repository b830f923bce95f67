import { request } from 'node:http'
import { eventually } from './processes.ts'

/**
 * A client that leaves: posts `body` (JSON, key `sk`) to `url` and hangs up once `ready()` is
 * true, or at the first byte of the response when `ready` is null. Resolves once the socket is
 * closed.
 */
export function hangUp(url: string, body: object, ready: (() => boolean) | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    })
    // The hang-up itself errors the request: that is the point, not a failure.
    req.on('error', () => {})
    req.on('close', () => resolve())
    req.on('response', (res) => res.once('data', () => ready === null && req.destroy()))
    req.end(JSON.stringify(body))
    if (ready) eventually(async () => ready(), Boolean).then(() => req.destroy(), reject)
  })
}

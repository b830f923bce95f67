import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../../support/embedded.ts'
import { eventually } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json } from '../../support/walkthrough.ts'

// `aiaas dev` gives its admin API the board its router keeps circuits on: a backend that fails
// enough requests shows as open on GET /admin/v1/models/{name}/health, with its cooldown.

// Every request fails with a 500: each attempt is a failure of the backend's circuit.
const failing = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.statusCode = 500
    response.end('{"error":"down"}')
  })
})

let platform: Awaited<ReturnType<typeof startEmbedded>>
let e: Endpoints
let backendUrl: string

beforeAll(async () => {
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve))
  backendUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/v1`
  const seed = { name: 'flaky', backend_url: backendUrl, input_usd_per_mtok: 1, output_usd_per_mtok: 1 }
  platform = await startEmbedded(() => ({
    AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
    AIAAS_MODELS: JSON.stringify([seed]),
  }))
  e = platform.endpoints
})
afterAll(async () => {
  await platform?.stop()
  await new Promise((resolve) => failing.close(resolve))
})

interface Health {
  backends: { backend_id: string; host: string; state: string; cooldown_remaining_ms: number | null }[]
}
const health = async () => {
  const response = await fetch(`${e.admin}/admin/v1/models/flaky/health`, {
    headers: { authorization: `Bearer ${e.adminToken}` },
  })
  return { status: response.status, body: (await response.json()) as Health }
}
const chat = (key: string) =>
  fetch(`${e.router}/v1/chat/completions`, {
    method: 'POST',
    headers: json(key),
    body: JSON.stringify({ model: 'flaky', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  }).then((response) => response.status)

describe('backend health in aiaas dev', () => {
  it('shows a backend the router cut off after failures as open, with its cooldown', async () => {
    const { key } = await createOrgAndKey(e)
    const before = await eventually(health, (answer) => answer.status === 200, 5000)
    expect(before.body.backends).toEqual([
      expect.objectContaining({ backend_id: backendUrl, state: 'closed' }),
    ])

    // One failing request per look: the circuit opens after enough failures in a row, and a
    // request after its cooldown (a failed trial) opens it again, so it is open when looked at.
    const opened = await eventually(
      async () => {
        expect(await chat(key)).toBeGreaterThanOrEqual(500)
        return health()
      },
      (answer) => answer.body.backends[0]?.state === 'open',
      60_000,
    )
    const [backend] = opened.body.backends
    expect(backend).toMatchObject({ backend_id: backendUrl, host: new URL(backendUrl).host, state: 'open' })
    expect(backend?.cooldown_remaining_ms).toBeGreaterThan(0)
  })
})

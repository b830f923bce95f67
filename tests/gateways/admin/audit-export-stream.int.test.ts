import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import { gate, newEvent } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { ADMIN_TOKEN } from './admin-app.ts'
import { startAuthzApp } from './authz-app.ts'

// The export is streamed: over a real socket, the client reads the first page's lines while the
// second page's query has not even returned (it is held here), so the reply does not wait for the
// whole range. The pages are 500 events; the organization has 1,200.

const ORG = '0190a000-0000-7000-8000-0000000000d1'
let dispose: () => Promise<void>
let platform: Awaited<ReturnType<typeof startAuthzApp>>
let url: string
const held = gate()
let pageQueries = 0

beforeAll(async () => {
  let db: Database
  ;({ db, dispose } = await makePostgres('auditstream')())
  // The export's page queries after the first wait for the gate; every other query passes.
  const gated: Database = {
    kind: db.kind,
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
    async query(text, params) {
      if (text.includes('LEFT JOIN event_chain') && ++pageQueries > 1) await held.opened
      return db.query(text, params)
    },
  }
  platform = await startAuthzApp(gated)
  for (let s = 0; s < 3; s++) {
    const events = Array.from({ length: 400 }, (_, i) =>
      newEvent('ThingHappened', { organization_id: ORG, n: s * 400 + i }),
    )
    await platform.store.append(`thing-${s}`, events, -1)
  }
  await platform.app.listen({ port: 0, host: '127.0.0.1' })
  url = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`
}, 60_000)
afterAll(async () => {
  held.open()
  await platform?.close()
  await dispose?.()
})

describe('the audit export over a socket', () => {
  it('sends the first page before the next one is read, then the rest, whole', async () => {
    const chunks: string[] = []
    let firstSeen: () => void = () => {}
    const first = new Promise<void>((resolve) => {
      firstSeen = resolve
    })
    const done = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/admin/v1/audit/export?organization_id=${ORG}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      req.on('response', (response) => {
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          chunks.push(chunk)
          firstSeen()
        })
        response.on('end', () => resolve(response.statusCode ?? 0))
        response.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    await first
    // Lines arrived while the second page's query is still held: the reply did not wait for it.
    expect(pageQueries).toBe(2)
    expect(
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '').length,
    ).toBeGreaterThan(0)
    held.open()
    expect(await done).toBe(200)
    const numbers = chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line).data.n)
    expect(numbers).toEqual(Array.from({ length: 1200 }, (_, n) => n))
    expect(pageQueries).toBe(3)
  })
})

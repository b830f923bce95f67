import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { CommandContext } from '../../../commands/handle-command.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import { requireIfMatch, setETag } from '../../../gateways/admin/preconditions.ts'
import { runHandlersInScope, scopedCommands } from '../../../gateways/admin/request-scope.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'

// If-Match → the command's expected version: a stale ETag is a 412 and writes nothing, a fresh
// one writes; the check happens where the command loads the stream, so it cannot go stale between.

const context: CommandContext = { actor: 'test', correlation_id: 'c', causation_id: null, source: 'test' }
let handle: TestDatabase
let app: ReturnType<typeof createServer>
let store: ReturnType<typeof createEventStore>

beforeAll(async () => {
  handle = await makePglite()
  store = createEventStore(handle.db)
  const commands = scopedCommands({ store, now: () => new Date(), newId: v7 })
  app = createServer({ logLevel: 'silent', metrics: createMetrics('preconditions-test') })
  runHandlersInScope(app)
  // A PATCH shaped like the admin API's: If-Match on the resource's stream, ETag of the result.
  // The command renames the organization to `n<limit>`: setting the name it has changes nothing.
  app.patch(
    '/organizations/:id/budget',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        body: z.object({ monthly_limit_usd: z.number() }),
      },
    },
    async (request, reply) => {
      const stream = organizationStream(request.params.id)
      requireIfMatch(request, stream)
      const input = { organization_id: request.params.id, name: `n${request.body.monthly_limit_usd}` }
      await updateOrganization(commands, input, context)
      const last = (await store.readStream(stream)).at(-1)
      setETag(reply, last?.stream_version ?? -1)
      return { ok: true }
    },
  )
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await handle?.dispose()
})

async function newOrganization(): Promise<string> {
  const deps = { store, now: () => new Date(), newId: v7 }
  return (await createOrganization(deps, { name: 'Acme' }, context)).organization_id
}

const patch = (id: string, limit: number, ifMatch?: string) =>
  app.inject({
    method: 'PATCH',
    url: `/organizations/${id}/budget`,
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    payload: { monthly_limit_usd: limit },
  })

describe('If-Match', () => {
  it('a current ETag writes and answers the new one; the old one is then a 412 that writes nothing', async () => {
    const id = await newOrganization()
    const first = await patch(id, 10, '"0"')
    expect(first.statusCode).toBe(200)
    expect(first.headers.etag).toBe('"1"')
    const stale = await patch(id, 20, '"0"')
    expect(stale.statusCode).toBe(412)
    expect(stale.json()).toMatchObject({
      code: 'PRECONDITION_FAILED',
      errors: { expected_version: 0, current_version: 1 },
    })
    expect(await store.readStream(organizationStream(id))).toHaveLength(2)
  })

  it('a stale ETag is a 412 even when the command would change nothing', async () => {
    const id = await newOrganization()
    await patch(id, 10)
    expect((await patch(id, 10, '"0"')).statusCode).toBe(412)
  })

  it('no If-Match (or *) writes unconditionally; a malformed one is a 400', async () => {
    const id = await newOrganization()
    expect((await patch(id, 5)).statusCode).toBe(200)
    expect((await patch(id, 6, '*')).statusCode).toBe(200)
    expect((await patch(id, 7, 'W/"2"')).statusCode).toBe(200)
    const malformed = await patch(id, 8, 'three')
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().code).toBe('INVALID_IF_MATCH')
  })

  it('of concurrent writers holding the same ETag, exactly one wins', async () => {
    const id = await newOrganization()
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => patch(id, n, '"0"')))
    const codes = answers.map((a) => a.statusCode).sort()
    expect(codes).toEqual([200, 412, 412, 412, 412])
    expect(await store.readStream(organizationStream(id))).toHaveLength(2)
  })
})

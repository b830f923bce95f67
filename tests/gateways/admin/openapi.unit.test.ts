import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { startAdminApp } from './admin-app.ts'

// /admin/v1/openapi.json is generated from the routes' own zod schemas, so it cannot drift from
// them; this test catches the other way to be wrong: a route (or a response it declares) that the
// document leaves out.

type App = Awaited<ReturnType<typeof startAdminApp>>
type Operation = { responses?: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] }
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> }
let handle: TestDatabase
let admin: App
let document: Document

beforeAll(async () => {
  handle = await makePglite()
  admin = await startAdminApp(handle.db)
  const response = await admin.app.inject({ method: 'GET', url: '/admin/v1/openapi.json' })
  expect(response.statusCode).toBe(200)
  document = response.json()
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

const hidden = (route: RouteOptions) => (route.schema as { hide?: boolean } | undefined)?.hide === true
const methodsOf = (route: RouteOptions) => (Array.isArray(route.method) ? route.method : [route.method])
/** fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

function adminRoutes(): RouteOptions[] {
  return admin.routes.filter((route) => route.url.startsWith('/admin/v1/') && !hidden(route))
}

describe('the admin OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0')
  })

  it('has every registered admin route with every response it declares', () => {
    const routes = adminRoutes()
    expect(routes.length).toBeGreaterThan(3)
    const missing: string[] = []
    for (const route of routes) {
      for (const method of methodsOf(route)) {
        if (method === 'HEAD') continue // fastify's automatic twin of each GET
        const operation = document.paths[openApiPath(route.url)]?.[method.toLowerCase()]
        if (!operation) {
          missing.push(`${method} ${route.url}`)
          continue
        }
        const declared = Object.keys((route.schema as { response?: object } | undefined)?.response ?? {})
        for (const status of declared) {
          if (!operation.responses?.[status]) missing.push(`${method} ${route.url} → ${status}`)
        }
      }
    }
    expect(missing).toEqual([])
  })

  it('documents the problem+json error body on every route', () => {
    const without: string[] = []
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const refused = operation.responses?.['4XX'] as { content?: Record<string, unknown> } | undefined
        if (!refused?.content?.['application/problem+json']) without.push(`${method} ${path}`)
      }
    }
    expect(without).toEqual([])
  })

  it("documents a route's request body and parameters from the schemas that validate them", () => {
    const create = document.paths['/admin/v1/organizations']?.post
    expect(create?.requestBody).toMatchObject({
      content: { 'application/json': { schema: { properties: { name: { maxLength: 200 } } } } },
    })
    const read = document.paths['/admin/v1/organizations/{organization_id}']?.get
    expect(read?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'path', name: 'organization_id' })]),
    )
  })
})

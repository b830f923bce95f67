import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { createOrgAndKey } from '../../support/walkthrough.ts'

// Property: whatever arrives (any method, content type, body, path parameter or query string)
// every route answers 2xx or a 4xx in its ecosystem's shape, never a 5xx (DEVELOPERS.md: "no
// input produces a 500"). The generators lean on what once got a 5xx (issue 5, section 2):
// control characters, lone surrogates, extreme dates and numbers, deep nesting, huge strings,
// wrong content types and methods. Runs are bounded in count and time so CI stays fast.
const ADMIN = TEST_ADMIN_TOKEN
let platform: Awaited<ReturnType<typeof startEmbedded>>
let base: string
let key: string
let organizationId: string

beforeAll(async () => {
  platform = await startEmbedded(() => ({ AIAAS_DEFAULT_KEY_RPM: '100000' }))
  base = platform.base
  ;({ key, organizationId } = await createOrgAndKey(platform.endpoints))
})

afterAll(async () => {
  await platform?.stop()
})

const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udc00',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u009b',
  '\n',
  '😀',
)
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(nasty, fc.string({ maxLength: 3 })), { maxLength: 8 })
      .map((a) => a.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom(300, 70_000, 1_000_000).map((n) => 'x'.repeat(n)) },
)
const extremeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 0.5, 4096, 4097, 1e13, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324),
)
// Around the depth bound (64) as values; far deeper (5,000 and more) only as text, below.
const deep = fc.integer({ min: 1, max: 100 }).map((depth) => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
})
const deepText = (depth: number) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`
const value = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue() },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: extremeNumber },
  { weight: 1, arbitrary: deep },
)
const messages = fc.oneof(
  fc.array(
    fc.record(
      {
        role: fc.oneof(fc.constantFrom('user', 'system', 'assistant'), hostileString),
        content: value,
        name: value,
      },
      { requiredKeys: [] },
    ),
    { maxLength: 4 },
  ),
  value,
)
// Bodies near the valid shape reach deeper code than random JSON alone.
const chatBody = fc.oneof(
  value,
  fc.record(
    {
      model: fc.oneof(fc.constant('echo'), value),
      messages,
      stream: fc.oneof(fc.boolean(), value),
      max_tokens: fc.oneof(extremeNumber, value),
      max_completion_tokens: extremeNumber,
      n: extremeNumber,
      temperature: extremeNumber,
      extra: value,
    },
    { requiredKeys: [] },
  ),
)
const adminBody = fc.oneof(
  value,
  fc.record(
    {
      name: fc.oneof(hostileString, value),
      organization_id: fc.oneof(fc.uuid(), value),
      monthly_limit_usd: fc.oneof(extremeNumber, value),
    },
    { requiredKeys: [] },
  ),
)
const extremeDate = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '1999-12-31T23:59:59Z',
    '2000-01-01T00:00:00+23:59',
    '2099-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-01-01T00:00:00.123456789Z',
  ),
  fc
    .date({ noInvalidDate: true, min: new Date(-8.64e15), max: new Date(8.64e15) })
    .map((d) => d.toISOString()),
  fc
    .date({ noInvalidDate: true, min: new Date('1990-01-01'), max: new Date('2110-01-01') })
    .map((d) => d.toISOString()),
)

/** Bodies as raw text: JSON of the values above, with a field nested thousands deep, or not JSON. */
const rawBody = (body: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc
        .tuple(body, fc.integer({ min: 30, max: 6000 }))
        .map(([b, depth]) => `{"extra":${deepText(depth)},"body":${JSON.stringify(b) ?? 'null'}}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"max_tokens":1e400,"model":"echo","messages":[]}',
        '\u0000',
        '[[[[',
        'null',
      ),
    },
  )
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  '',
)
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
/** A path parameter: a uuid, text, or raw percent-encoded bytes (lone surrogates, bad UTF-8, bare %). */
const pathParam = fc.oneof(
  fc.uuid(),
  hostileString.map((s) => s.slice(0, 300).replace(/[^A-Za-z0-9_-]/g, '')),
  fc
    .uint8Array({ maxLength: 12 })
    .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%zz', '%ED%A0%80', '%00', 'x'.repeat(150)),
)

interface Answer {
  status: number
  type: string
  body: string
}

async function send(path: string, init: { method: string; token?: string; type?: string; body?: string }) {
  const headers: Record<string, string> = {}
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.type) headers['content-type'] = init.type
  const hasBody = init.body !== undefined && init.method !== 'GET' && init.method !== 'HEAD'
  const response = await fetch(`${base}${path}`, {
    method: init.method,
    headers,
    body: hasBody ? init.body : undefined,
  })
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: await response.text(),
  }
}

/** Never a 5xx; a 4xx in OpenAI's shape under /v1 and problem+json elsewhere. */
function expectClientShape(path: string, r: Answer) {
  expect(r.status, r.body.slice(0, 300)).toBeLessThan(500)
  if (r.status < 400) return
  if (path.startsWith('/v1')) {
    expect(r.type).toContain('application/json')
    expect(JSON.parse(r.body)).toMatchObject({
      error: { code: expect.any(String), type: expect.any(String) },
    })
  } else {
    expect(r.type).toContain('application/problem+json')
    expect(JSON.parse(r.body)).toMatchObject({ status: r.status, code: expect.any(String) })
  }
  // What the client sent comes back only clipped.
  expect(r.body.length).toBeLessThan(4000)
}

const runs = { numRuns: 40, interruptAfterTimeLimit: 20_000 }

describe('no input produces a 5xx', () => {
  it('POST /v1/chat/completions and /v1/inference with any body', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody(chatBody),
        fc.constantFrom('/v1/chat/completions', '/v1/inference'),
        async (body, path) => {
          expectClientShape(
            path,
            await send(path, { method: 'POST', token: key, type: 'application/json', body }),
          )
        },
      ),
      runs,
    )
  })

  it('POST /admin/v1/organizations and /admin/v1/api-keys, PUT a budget, with any body', async () => {
    const paths = [
      '/admin/v1/organizations',
      '/admin/v1/api-keys',
      `/admin/v1/organizations/${organizationId}/budget`,
    ]
    await fc.assert(
      fc.asyncProperty(rawBody(adminBody), fc.constantFrom(...paths), async (body, path) => {
        const method = path.endsWith('/budget') ? 'PUT' : 'POST'
        expectClientShape(path, await send(path, { method, token: ADMIN, type: 'application/json', body }))
      }),
      runs,
    )
  })

  it('GET /analytics/v1/usage and /reliability with any query string', async () => {
    const param = fc.oneof(
      hostileString.map((s) => s.slice(0, 500)),
      fc.uuid(),
      extremeDate,
      fc.constant(organizationId),
      fc.constantFrom('model,api_key,backend', 'backend,model', 'minute', 'day', '0', '1000', '1e3', '-1'),
      // Cursors: base64url of anything, of JSON arrays of anything.
      fc.string().map((s) => Buffer.from(s).toString('base64url')),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(['u1', v, v, v, v])).toString('base64url')),
    )
    const keys = ['organization_id', 'from', 'to', 'granularity', 'group_by', 'limit', 'cursor', 'x']
    const query = fc.dictionary(fc.constantFrom(...keys), param)
    const route = fc.constantFrom('usage', 'reliability')
    await fc.assert(
      fc.asyncProperty(query, route, async (params, name) => {
        const path = `/analytics/v1/${name}?${new URLSearchParams(params)}`
        expectClientShape(path, await send(path, { method: 'GET', token: ADMIN }))
      }),
      runs,
    )
  })

  it('POST /analytics/v1/exports with any body; GET an export, the list, a download link with any input', async () => {
    const exportBody = fc.oneof(
      value,
      fc.record(
        {
          organization_id: fc.oneof(fc.constant(organizationId), fc.uuid(), value),
          from: fc.oneof(extremeDate, value),
          to: fc.oneof(extremeDate, value),
          granularity: fc.oneof(fc.constantFrom('minute', 'hour', 'day'), value),
          group_by: fc.oneof(fc.array(fc.constantFrom('model', 'api_key', 'backend', 'x')), value),
          extra: value,
        },
        { requiredKeys: [] },
      ),
    )
    const query = fc.dictionary(
      fc.constantFrom('organization_id', 'x'),
      fc.oneof(
        fc.constant(organizationId),
        fc.uuid(),
        hostileString.map((s) => s.slice(0, 300)),
      ),
    )
    const read = fc.oneof(
      query.map((q) => `/analytics/v1/exports?${new URLSearchParams(q)}`),
      fc.tuple(pathParam, query).map(([id, q]) => `/analytics/v1/exports/${id}?${new URLSearchParams(q)}`),
      // The embedded download route: the link is the credential, whatever it says.
      fc
        .tuple(
          pathParam,
          fc.dictionary(
            fc.constantFrom('expires', 'signature'),
            fc.oneof(
              extremeDate,
              hostileString.map((s) => s.slice(0, 300)),
            ),
          ),
        )
        .map(([key, q]) => `/exports/${key}.csv?${new URLSearchParams(q)}`),
    )
    await fc.assert(
      fc.asyncProperty(rawBody(exportBody), read, async (body, path) => {
        const created = '/analytics/v1/exports'
        expectClientShape(
          created,
          await send(created, { method: 'POST', token: ADMIN, type: 'application/json', body }),
        )
        expectClientShape(path, await send(path, { method: 'GET', token: ADMIN }))
      }),
      runs,
    )
  })

  it('every route, with any method, content type, path parameter and body', async () => {
    const route = fc.oneof(
      fc.constantFrom(
        '/v1/chat/completions',
        '/v1/inference',
        '/v1/models',
        '/v1/status/healthz',
        '/v1/status/readyz',
        '/admin/v1/organizations',
        '/admin/v1/api-keys',
        '/admin/v1/status/readyz',
        '/analytics/v1/usage',
        '/analytics/v1/status/healthz',
        '/metrics',
        '/mock/v1/chat/completions',
        '/nothing',
      ),
      pathParam.map((p) => `/admin/v1/organizations/${p}`),
      pathParam.map((p) => `/admin/v1/organizations/${p}/budget`),
    )
    const token = fc.constantFrom<string | undefined>(ADMIN, 'KEY', undefined, 'wrong')
    await fc.assert(
      fc.asyncProperty(
        route,
        method,
        contentType,
        token,
        rawBody(fc.oneof(chatBody, adminBody)),
        async (path, m, type, t, body) => {
          const r = await send(path, { method: m, token: t === 'KEY' ? key : t, type, body })
          expectClientShape(path, r)
        },
      ),
      runs,
    )
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Action, Decision } from '../../../domain/authorization/actions.ts'
import { ORGANIZATION_ROLES } from '../../../domain/users/user.ts'
import { adminRouteRules } from '../../../gateways/admin/route-actions.ts'
import { analyticsRouteRules } from '../../../gateways/analytics/routes.ts'
import { ruleKey } from '../../../gateways/http/authorize.ts'
import { loadAuthorizer } from '../../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../../infra/ports/authorizer.ts'
import type { RecordedEvent } from '../../../infra/ports/event-store.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import {
  CROSS_REFERENCES,
  FIXTURES,
  type Ids,
  isDestructive,
  OUTSIDE_THE_MATRIX,
  PUBLIC,
  type Variant,
} from './tenant-fixtures.ts'
import { type Answer, startTenantPlatform, type TenantPlatform } from './tenant-platform.ts'
import {
  type Caller,
  callerOf,
  type Organization,
  organizationWithResources,
  personOf,
  readOrganization,
} from './tenant-world.ts'

// Tenant isolation over HTTP: every route the admin and analytics apps register × each of the six
// organization roles × organization A (the caller's) and organization B (someone else's). Per role
// two callers of A: a service account signed in with client_credentials at the issuer, its real
// access token on every request; and a person holding the role, whose own user and own key are
// among what it acts on (self-service, a member's own keys). People's tokens need the browser
// sign-in flow, so a person is named in a test-only header after authentication, as in
// authz-app.ts (tenant-platform.ts).
//
// In B, on every route: the answer of a request for ids that do not exist (404 for an
// organization's resource, 403 for a platform one), body for body once B's ids are swapped for the
// missing ones; no body names anything of B the caller did not send; each refusal is one
// AccessDenied event naming B (or no organization); nothing but AccessDenied events is written,
// and B reads the same afterwards. In A: the policy's answer (403 FORBIDDEN and one AccessDenied
// when it refuses; when it allows, neither), and no answer, lists included, holds anything of B.
// The public routes (OpenAPI document, status probes) answer every role alike, with nothing of B.
// Outside the matrix (tenant-fixtures.ts says why): the invitation route and /oauth2, whose
// credential is their own, not a bearer token. The audit routes are in it: the export (with and without
// organization_id) and the state at an instant (audit:export), and the chain's verify (audit:verify).

let handle: TestDatabase
let platform: TenantPlatform
let authorizer: Authorizer
let a: Organization
let b: Organization
let snapshotOfB = ''
/** Per role two callers of A: a service account with its real access token, and a person. */
const KINDS = ['machine', 'person'] as const
const CALLERS = ORGANIZATION_ROLES.flatMap((role) =>
  KINDS.map((kind) => ({ role, kind, name: `${role} ${kind}` })),
)
const callers = new Map<string, Caller>()
const missing: Ids = {
  organization_id: '0190a000-0000-7000-8000-00000000f001',
  api_key_id: '0190a000-0000-7000-8000-00000000f002',
  budget_id: '0190a000-0000-7000-8000-00000000f003',
  service_account_id: '0190a000-0000-7000-8000-00000000f004',
  user_id: '0190a000-0000-7000-8000-00000000f005',
}

beforeAll(async () => {
  handle = await makePglite()
  platform = await startTenantPlatform(handle.db)
  authorizer = await loadAuthorizer()
  b = await organizationWithResources(platform, 'B')
  a = await organizationWithResources(platform, 'A')
  for (const { role, kind, name } of CALLERS) {
    const make = kind === 'machine' ? callerOf : personOf
    callers.set(name, await make(platform, a.ids, role))
  }
  snapshotOfB = await readOrganization(platform, b.ids)
}, 60_000)
afterAll(async () => {
  await platform?.close()
  await handle?.dispose()
})

const methodsOf = (route: { method: string | string[] }) =>
  Array.isArray(route.method) ? route.method : [route.method]

/** Every route the app registers, `METHOD /path`, but those outside the matrix, in sweep order. */
function registeredRoutes(): string[] {
  const all = platform.routes.flatMap((route) => methodsOf(route).map((method) => `${method} ${route.url}`))
  const inside = all.filter((route) => !OUTSIDE_THE_MATRIX.some((p) => p.test(route.split(' ')[1] ?? '')))
  // What changes its target for good goes last, so it never spoils another request's answer.
  const destructiveLast = (x: string, y: string) =>
    Number(isDestructive(x)) - Number(isDestructive(y)) || x.localeCompare(y)
  return [...new Set(inside)].sort(destructiveLast)
}

/** HEAD is served by the GET route: same rule, same fixture. */
const fixtureKey = (route: string) => route.replace(/^HEAD /, 'GET ')

const isPublic = (route: string) => PUBLIC.some((pattern) => pattern.test(route.split(' ')[1] ?? ''))

/** Each request of the matrix: a route and one of its fixture's variants; public routes or the others. */
const requests = (open = false) =>
  registeredRoutes()
    .filter((route) => isPublic(route) === open)
    .flatMap((route) => (FIXTURES[fixtureKey(route)] ?? []).map((variant) => ({ route, variant })))

function actionOf(route: string): Action {
  const [method = '', path = ''] = fixtureKey(route).split(' ')
  const prefix = path.startsWith('/analytics/v1') ? '/analytics/v1' : '/admin/v1'
  const rules = prefix === '/analytics/v1' ? analyticsRouteRules : adminRouteRules(handle.db)
  const rule = rules[ruleKey(method, path, prefix)]
  if (!rule) throw new Error(`${route} has no rule`)
  return rule.action
}

/** The organization the request is about: named by id, or by the id of something of it; else none. */
function organizationOf(route: string, variant: Variant, ids: Ids): string | null {
  const named =
    /:(organization_id|api_key_id|budget_id|service_account_id)/.test(route) ||
    'organization_id' in (variant.query?.(ids) ?? {}) ||
    'organization_id' in (variant.body?.(ids) ?? {})
  return named ? ids.organization_id : null
}

/** The policy's decision for `caller` on this request with `ids`, independent of the route's rule. */
function expected(caller: Caller, route: string, variant: Variant, ids: Ids): Decision {
  // A user is a platform resource its person owns; a key, one its owner owns (a person's own key).
  const onUser = / \/admin\/v1\/users\/:user_id/.test(route)
  const onOwnKey = route.includes(':api_key_id') && ids.api_key_id === caller.own.api_key_id
  const resource = onUser
    ? { type: 'user', organization_id: null, owner: ids.user_id }
    : {
        type: 'matrix',
        organization_id: organizationOf(route, variant, ids),
        owner: onOwnKey ? caller.keyOwner : null,
      }
  return authorizer.decide({ subject: caller.subject, action: actionOf(route), resource })
}

async function eventsSince(position: bigint): Promise<RecordedEvent[]> {
  return platform.store.readAll({ after: position })
}
const lastPosition = async () => (await eventsSince(0n)).at(-1)?.global_position ?? 0n

/** The AccessDenied events of each request id. */
function denialsByRequest(events: RecordedEvent[]): Map<string, RecordedEvent[]> {
  const byRequest = new Map<string, RecordedEvent[]>()
  for (const event of events.filter((e) => e.type === 'AccessDenied')) {
    const id = String(event.data.request_id)
    byRequest.set(id, [...(byRequest.get(id) ?? []), event])
  }
  return byRequest
}

/** The body a caller can compare: B's ids swapped for the missing ones, without its own path. */
function comparable(text: string): string {
  let swapped = text
  for (const name of Object.keys(missing) as (keyof Ids)[])
    swapped = swapped.replaceAll(b.ids[name], missing[name])
  const body: unknown = swapped === '' ? null : JSON.parse(swapped)
  if (typeof body !== 'object' || body === null) return JSON.stringify(body)
  const { instance: _instance, ...rest } = body as Record<string, unknown>
  return JSON.stringify(rest)
}

const told = (answer: Answer) =>
  b.secrets.filter((secret) => answer.text.includes(secret) && !answer.sent.includes(secret))

interface Asked {
  route: string
  answer: Answer
  decision: Decision
  /** The organizations its AccessDenied may name. */
  places: (string | null)[]
}

/** The answers in B, checked one by one; the events they left are checked after. */
async function sweepOfB(caller: Caller, wrong: string[]): Promise<Asked[]> {
  const asked: Asked[] = []
  for (const { route, variant } of requests()) {
    const decision = expected(caller, route, variant, b.ids)
    const status = decision.deny_as === 'not_found' ? 404 : 403
    const foreign = await platform.send(route, variant, b.ids, caller.headers)
    const absent = await platform.send(route, variant, missing, caller.headers)
    if (decision.allow) wrong.push(`${route}: the policy allows it in B`)
    if (foreign.status !== status || absent.status !== status)
      wrong.push(`${route}: ${foreign.status} for B, ${absent.status} for nothing, not ${status}`)
    if (comparable(foreign.text) !== comparable(absent.text))
      wrong.push(`${route}: B's answer is not a missing one's: ${foreign.text} / ${absent.text}`)
    if (told(foreign).length > 0) wrong.push(`${route}: tells ${told(foreign).join(', ')}`)
    asked.push({ route, answer: foreign, decision, places: [organizationOf(route, variant, b.ids)] })
    // A key, budget or service account that does not exist has no organization to record.
    const places = [organizationOf(route, variant, missing), null]
    asked.push({ route, answer: absent, decision, places })
  }
  return asked
}

/** Requests in A naming something of B: answered as if it did not exist, telling nothing of B. */
async function crossReferences(caller: Caller, wrong: string[]): Promise<void> {
  for (const [route, variantOf] of Object.entries(CROSS_REFERENCES)) {
    const foreign = await platform.send(route, variantOf(caller.own, b.ids), caller.own, caller.headers)
    const absent = await platform.send(route, variantOf(caller.own, missing), caller.own, caller.headers)
    if (foreign.status !== absent.status || comparable(foreign.text) !== comparable(absent.text))
      wrong.push(`${route} naming B's: ${foreign.status} ${foreign.text} / ${absent.status} ${absent.text}`)
    if (told(foreign).length > 0) wrong.push(`${route} naming B's: tells ${told(foreign).join(', ')}`)
  }
}

/** The answers in A, checked one by one; the events they left are checked after. */
async function sweepOfA(caller: Caller, wrong: string[]): Promise<Asked[]> {
  const asked: Asked[] = []
  for (const { route, variant } of requests()) {
    const decision = expected(caller, route, variant, caller.own)
    const answer = await platform.send(route, variant, caller.own, caller.headers)
    const code = answer.body?.code
    if (!decision.allow && (answer.status !== 403 || (answer.body !== null && code !== 'FORBIDDEN')))
      wrong.push(`${route}: refused by the policy, answered ${answer.status} ${answer.text}`)
    if (decision.allow && answer.status === 403) wrong.push(`${route}: allowed, answered 403 ${answer.text}`)
    const ofB = b.secrets.filter((secret) => answer.text.includes(secret))
    if (ofB.length > 0) wrong.push(`${route}: tells ${ofB.join(', ')} of B`)
    asked.push({ route, answer, decision, places: [organizationOf(route, variant, caller.own)] })
  }
  return asked
}

/** One AccessDenied per refused request, by this caller, answered and placed as refused; none else. */
function checkDenials(caller: Caller, asked: Asked[], events: RecordedEvent[], wrong: string[]): void {
  const denials = denialsByRequest(events)
  for (const { route, answer, decision, places } of asked) {
    const recorded = denials.get(answer.requestId) ?? []
    if (recorded.length !== (decision.allow ? 0 : 1)) {
      wrong.push(`${route}: ${recorded.length} AccessDenied events, allowed: ${decision.allow}`)
      continue
    }
    const data = recorded[0]?.data
    if (!data) continue
    const right =
      data.actor === caller.subject.actor &&
      data.answered === decision.deny_as &&
      places.includes(data.resource_organization_id as string | null)
    if (!right) wrong.push(`${route}: recorded ${JSON.stringify(data)}`)
  }
}

describe('the tenant matrix over HTTP', () => {
  it('has a valid request for every registered route, and none for a route that is not served', () => {
    const routes = registeredRoutes()
    expect(routes.length).toBeGreaterThan(40)
    expect(routes.filter((route) => !(fixtureKey(route) in FIXTURES))).toEqual([])
    const served = new Set(routes.map(fixtureKey))
    expect(Object.keys(FIXTURES).filter((route) => !served.has(route))).toEqual([])
  })

  it('answers the public routes alike to every role, with nothing of B and no denial', async () => {
    const wrong: string[] = []
    const before = await lastPosition()
    for (const { route, variant } of requests(true)) {
      const answers: Answer[] = []
      for (const caller of callers.values())
        answers.push(await platform.send(route, variant, b.ids, caller.headers))
      const seen = new Set(answers.map((answer) => `${answer.status} ${answer.text}`))
      if (seen.size !== 1 || answers[0]?.status !== 200) wrong.push(`${route}: ${[...seen].join(' | ')}`)
      if (answers.some((answer) => told(answer).length > 0)) wrong.push(`${route}: tells something of B`)
    }
    expect(requests(true).length).toBeGreaterThanOrEqual(5)
    expect(wrong).toEqual([])
    expect(await eventsSince(before)).toEqual([])
  })

  for (const { name } of CALLERS) {
    it(`${name} of A learns and changes nothing of B, on every route`, async () => {
      const caller = callers.get(name)
      if (!caller) throw new Error(`no caller ${name}`)
      const wrong: string[] = []
      const before = await lastPosition()
      const asked = await sweepOfB(caller, wrong)
      await crossReferences(caller, wrong)
      const written = await eventsSince(before)
      const changes = written.filter((event) => event.type !== 'AccessDenied')
      if (changes.length > 0) wrong.push(`wrote ${changes.map((e) => `${e.type} on ${e.stream}`).join(', ')}`)
      checkDenials(caller, asked, written, wrong)
      expect(wrong).toEqual([])
      expect(await readOrganization(platform, b.ids)).toBe(snapshotOfB)
    })

    it(`${name} of A gets the policy's answer on every route of A, and nothing of B in it`, async () => {
      const caller = callers.get(name)
      if (!caller) throw new Error(`no caller ${name}`)
      const wrong: string[] = []
      const before = await lastPosition()
      const asked = await sweepOfA(caller, wrong)
      checkDenials(caller, asked, await eventsSince(before), wrong)
      expect(wrong).toEqual([])
      expect(await readOrganization(platform, b.ids)).toBe(snapshotOfB)
    })
  }
})

import { integer, type OptionSpecs, text, type Values } from './args.ts'
import type { Api, JsonResponse, Query, RequestOptions } from './client.ts'
import { UsageError } from './exit-codes.ts'
import { isRecord } from './json.ts'
import { type Column, type Io, printJson, renderRecord, renderTable } from './output.ts'
import type { Settings } from './settings.ts'

// What every admin subcommand is given, and the few moves they share: call the admin or analytics
// API, print a result (table, record or JSON), follow a list's cursor.

export interface Context {
  io: Io
  settings: Settings
  api: Api
  json: boolean
  configPath: string
  now: () => Date
}

export interface Subcommand {
  about: string
  /** Positional arguments, in order, as the usage text shows them (`<api-key-id>`). */
  args?: readonly string[]
  options?: OptionSpecs
  run(ctx: Context, values: Values, positionals: readonly string[]): Promise<number>
}

export type Group = Readonly<Record<string, Subcommand>>

export const ADMIN = '/admin/v1'
export const ANALYTICS = '/analytics/v1'

/** A call to the admin API: the body of its answer. */
export async function admin(ctx: Context, method: string, path: string, options?: RequestOptions) {
  return (await adminResponse(ctx, method, path, options)).body
}

export function adminResponse(ctx: Context, method: string, path: string, options?: RequestOptions) {
  return ctx.api.json(method, ctx.settings.endpoint, `${ADMIN}${path}`, options)
}

export const IF_MATCH_OPTIONS: OptionSpecs = {
  'if-match': { type: 'string', value: '<etag>', about: 'write only if this ETag still holds (else exit 6)' },
}

/** --if-match as the header wants it: a bare version (`3`, as `get` prints it) is quoted. */
export function ifMatchOf(values: Values): string | undefined {
  const etag = text(values, 'if-match')
  return etag !== undefined && /^\d+$/.test(etag) ? `"${etag}"` : etag
}

/**
 * Prints one resource and, on stderr, its ETag (for a later --if-match), so stdout stays the
 * record or the JSON alone.
 */
export function showOne(ctx: Context, response: JsonResponse, columns: readonly Column[]): void {
  show(ctx, response.body, columns)
  if (response.etag !== null) ctx.io.err(`etag: ${response.etag}\n`)
}

export async function analytics(ctx: Context, method: string, path: string, options?: RequestOptions) {
  return (await ctx.api.json(method, ctx.settings.analyticsEndpoint, `${ANALYTICS}${path}`, options)).body
}

/** Prints a list's rows as a table, anything else as a record; --json: the JSON as it is. */
export function show(ctx: Context, body: unknown, columns: readonly Column[]): void {
  if (ctx.json) {
    printJson(ctx.io, body)
    return
  }
  const rows = dataOf(body)
  ctx.io.out(rows ? renderTable(rows, columns, ctx.io.color) : renderRecord(body, ctx.io.color))
}

function dataOf(body: unknown): unknown[] | undefined {
  const data = isRecord(body) ? body.data : undefined
  return Array.isArray(data) ? data : undefined
}

function nextCursorOf(body: unknown): string | null {
  const cursor = isRecord(body) ? body.next_cursor : null
  return typeof cursor === 'string' && cursor !== '' ? cursor : null
}

export const PAGE_OPTIONS: OptionSpecs = {
  limit: { type: 'string', value: '<n>', about: 'items per page (the API caps it)' },
  cursor: { type: 'string', value: '<cursor>', about: 'start after this next_cursor' },
  all: { type: 'boolean', about: 'follow next_cursor to the last page' },
}

/**
 * One page, or with --all every page joined into one list (`next_cursor` null). Without --all a
 * page that has more says how to get the next on stderr, so a table never silently stops short.
 */
export async function listPages(
  ctx: Context,
  fetchPage: (query: Query) => Promise<unknown>,
  query: Query,
  values: Values,
): Promise<unknown> {
  const limit = integer(values, 'limit')
  if (limit !== undefined && limit < 1) throw new UsageError('--limit must be at least 1')
  const first = await fetchPage({
    ...query,
    limit,
    cursor: typeof values.cursor === 'string' ? values.cursor : undefined,
  })
  if (values.all !== true) {
    const next = nextCursorOf(first)
    if (next !== null && !ctx.json) ctx.io.err(`more: --cursor ${next} (or --all)\n`)
    return first
  }
  const rows = [...(dataOf(first) ?? [])]
  let body = first
  for (let cursor = nextCursorOf(body); cursor !== null; cursor = nextCursorOf(body)) {
    body = await fetchPage({ ...query, limit, cursor })
    rows.push(...(dataOf(body) ?? []))
  }
  return { ...(isRecord(body) ? body : {}), data: rows, next_cursor: null }
}

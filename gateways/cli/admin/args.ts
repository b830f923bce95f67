import { parseArgs } from 'node:util'
import { UsageError } from './exit-codes.ts'
import type { GlobalFlags } from './settings.ts'

// Command-line parsing for the admin commands: node:util parseArgs in strict mode (an unknown
// flag or a missing value is exit 2), with the global flags every command shares.

export interface OptionSpec {
  type: 'string' | 'boolean'
  about: string
  /** The value's placeholder in the usage text, e.g. `<uuid>`. */
  value?: string
  required?: boolean
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

export type Values = Readonly<Record<string, string | boolean | undefined>>

export interface Parsed {
  values: Values
  positionals: readonly string[]
  global: GlobalFlags & { json: boolean; help: boolean; idempotencyKey: string | undefined }
}

/** Flags every admin command takes (docs/cli.md, "Global flags"). */
export const GLOBAL_OPTIONS: OptionSpecs = {
  endpoint: { type: 'string', value: '<url>', about: 'the admin API (and issuer) base URL' },
  'analytics-endpoint': { type: 'string', value: '<url>', about: 'the analytics API base URL' },
  token: { type: 'string', value: '<token>', about: 'a bearer token (admin token or access token)' },
  json: { type: 'boolean', about: "print the API's JSON as it is" },
  'idempotency-key': {
    type: 'string',
    value: '<key>',
    about: 'sent with a POST: a retry with the same key does not run it twice',
  },
  help: { type: 'boolean', about: 'this text' },
}

/**
 * Parses argv against the command's options and the global ones; `positionals` names the
 * positional arguments the command requires (exactly those, no more).
 */
export function parseCommand(
  argv: readonly string[],
  options: OptionSpecs,
  positionals: readonly string[],
  usage: string,
): Parsed {
  const specs = { ...GLOBAL_OPTIONS, ...options }
  const parsed = parseOrThrow(argv, specs, usage)
  // No option is `multiple`, so no value is a list; the filter says so to the type checker.
  const values: Record<string, string | boolean | undefined> = {}
  for (const [name, value] of Object.entries(parsed.values)) if (!Array.isArray(value)) values[name] = value
  const global = globalFlags(values)
  if (global.help) return { values, positionals: parsed.positionals, global }
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? 'no arguments' : positionals.join(' ')
    throw new UsageError(`expected ${expected}, got ${JSON.stringify(parsed.positionals)}`, usage)
  }
  for (const [name, spec] of Object.entries(options))
    if (spec.required && values[name] === undefined) throw new UsageError(`--${name} is required`, usage)
  return { values, positionals: parsed.positionals, global }
}

function parseOrThrow(argv: readonly string[], specs: OptionSpecs, usage: string) {
  try {
    return parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }])),
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage)
  }
}

function globalFlags(values: Record<string, string | boolean | undefined>) {
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined)
  return {
    endpoint: text('endpoint'),
    analyticsEndpoint: text('analytics-endpoint'),
    token: text('token'),
    issuer: text('issuer'),
    clientId: text('client-id'),
    clientSecret: text('client-secret'),
    idempotencyKey: text('idempotency-key'),
    json: values.json === true,
    help: values.help === true,
  }
}

/** The usage text of one command: its synopsis, then one line per flag. */
export function usageText(synopsis: string, about: string, options: OptionSpecs): string {
  const line = (name: string, spec: OptionSpec) => {
    const flag = `--${name}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`
    return `  ${flag.padEnd(32)} ${spec.about}${spec.required ? ' (required)' : ''}`
  }
  const own = Object.entries(options).map(([name, spec]) => line(name, spec))
  const global = Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => line(name, spec))
  return [`usage: ${synopsis}`, '', about, '', ...own, ...(own.length ? [''] : []), ...global, ''].join('\n')
}

// Typed readers of flag values; a malformed value is a usage error naming the flag.

export function text(values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

export function integer(values: Values, name: string): number | undefined {
  const value = text(values, name)
  if (value === undefined) return undefined
  if (!/^-?\d{1,15}$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${value}`)
  return Number(value)
}

/** `--rpm-limit none` clears a limit (null); a number sets it. */
export function limitOrNone(values: Values, name: string): number | null | undefined {
  return text(values, name) === 'none' ? null : integer(values, name)
}

/** A comma-separated list: `a,b,c`; empty text is an empty list. */
export function list(values: Values, name: string): string[] | undefined {
  const value = text(values, name)
  if (value === undefined) return undefined
  return value === '' ? [] : value.split(',').map((item) => item.trim())
}

export function numbers(values: Values, name: string): number[] | undefined {
  return list(values, name)?.map((item) => {
    const n = Number(item)
    if (item === '' || !Number.isFinite(n)) throw new UsageError(`--${name} takes numbers, got ${item}`)
    return n
  })
}

export function booleanText(values: Values, name: string): boolean | undefined {
  const value = text(values, name)
  if (value === undefined) return undefined
  if (value !== 'true' && value !== 'false') throw new UsageError(`--${name} is true or false, got ${value}`)
  return value === 'true'
}

/** Drops the undefined members: a PATCH body carries only what the command line set. */
export function defined<T extends Record<string, unknown>>(body: T): Partial<T> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as Partial<T>
}

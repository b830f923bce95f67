import type { CliFile, SavedToken } from './config-file.ts'

// Where the CLI finds its endpoint and token: flags, then the environment, then the config file
// (docs/cli.md). The file's token, issuer and client id belong to the endpoint it was saved for:
// pointed at another endpoint, the CLI never sends that token there.

/** `make run` and `aiaas dev` listen here (README). */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080'

type Env = Readonly<Record<string, string | undefined>>

/** The global flags every admin command takes. */
export interface GlobalFlags {
  endpoint?: string | undefined
  analyticsEndpoint?: string | undefined
  token?: string | undefined
  issuer?: string | undefined
  clientId?: string | undefined
  clientSecret?: string | undefined
}

export type TokenSource =
  | { kind: 'given'; token: string; from: 'flag' | 'environment' }
  | { kind: 'saved'; token: SavedToken }
  | { kind: 'none' }

export interface Settings {
  endpoint: string
  analyticsEndpoint: string
  /** The OAuth2 issuer: discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string
  token: TokenSource
  clientId: string | undefined
  clientSecret: string | undefined
}

const trimmed = (url: string) => url.replace(/\/+$/, '')
const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value)

/** Resolves every setting: flag > environment > file (when the file is this endpoint's) > default. */
export function resolveSettings(flags: GlobalFlags, env: Env, file: CliFile): Settings {
  const endpoint = trimmed(
    nonEmpty(flags.endpoint) ?? nonEmpty(env.AIAAS_ENDPOINT) ?? file.endpoint ?? DEFAULT_ENDPOINT,
  )
  const fileApplies = file.endpoint === undefined || trimmed(file.endpoint) === endpoint
  const saved = fileApplies ? file : {}
  const analyticsEndpoint = trimmed(
    nonEmpty(flags.analyticsEndpoint) ??
      nonEmpty(env.AIAAS_ANALYTICS_ENDPOINT) ??
      saved.analytics_endpoint ??
      endpoint,
  )
  const issuer = trimmed(
    nonEmpty(flags.issuer) ?? nonEmpty(env.AIAAS_ISSUER) ?? saved.issuer ?? `${endpoint}/oauth2`,
  )
  return {
    endpoint,
    analyticsEndpoint,
    issuer,
    token: tokenSource(flags, env, saved),
    clientId: nonEmpty(flags.clientId) ?? nonEmpty(env.AIAAS_CLIENT_ID) ?? saved.client_id,
    clientSecret: nonEmpty(flags.clientSecret) ?? nonEmpty(env.AIAAS_CLIENT_SECRET),
  }
}

function tokenSource(flags: GlobalFlags, env: Env, saved: CliFile): TokenSource {
  const flag = nonEmpty(flags.token)
  if (flag !== undefined) return { kind: 'given', token: flag, from: 'flag' }
  const fromEnv = nonEmpty(env.AIAAS_TOKEN)
  if (fromEnv !== undefined) return { kind: 'given', token: fromEnv, from: 'environment' }
  if (saved.token) return { kind: 'saved', token: saved.token }
  return { kind: 'none' }
}

/** Margin before expiry at which a saved token counts as expired: it must outlive the request. */
export const EXPIRY_MARGIN_MS = 30_000

export function isExpired(token: SavedToken, now: Date): boolean {
  if (token.expires_at === undefined) return false
  return Date.parse(token.expires_at) - EXPIRY_MARGIN_MS <= now.getTime()
}

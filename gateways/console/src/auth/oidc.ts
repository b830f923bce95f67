import type { ConsoleConfig } from './config.ts'
import { challengeOf, newState, newVerifier } from './pkce.ts'

// Authorization code + PKCE against the platform's own issuer (docs/console.md). The verifier and
// state wait in sessionStorage across the redirect, and only then; tokens live in memory only.

export interface Endpoints {
  authorization_endpoint: string
  token_endpoint: string
  revocation_endpoint?: string
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  /** Epoch milliseconds the access token expires at. */
  expires_at: number
}

const PENDING = 'aiaas-console-sign-in'

interface Pending {
  verifier: string
  state: string
  /** The hash route to return to after sign-in. */
  back: string
}

export async function discover(issuer: string): Promise<Endpoints> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`)
  if (!response.ok) throw new Error(`the issuer's discovery failed (${response.status})`)
  return (await response.json()) as Endpoints
}

export const callbackUrl = (origin: string) => `${origin}/console/callback`

/** Sends the browser to the issuer's sign-in; `prompt=consent` so offline_access yields a refresh token. */
export async function startSignIn(config: ConsoleConfig, endpoints: Endpoints, back: string): Promise<void> {
  const pending: Pending = { verifier: newVerifier(), state: newState(), back }
  sessionStorage.setItem(PENDING, JSON.stringify(pending))
  const query = new URLSearchParams({
    client_id: config.client_id,
    response_type: 'code',
    redirect_uri: callbackUrl(location.origin),
    scope: config.scope,
    prompt: 'consent',
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
  })
  location.assign(`${endpoints.authorization_endpoint}?${query}`)
}

/** Redeems the callback's code; returns the tokens and the route to go back to. */
export async function finishSignIn(config: ConsoleConfig, endpoints: Endpoints, url: URL) {
  const pending = takePending()
  const error = url.searchParams.get('error')
  if (error) throw new Error(url.searchParams.get('error_description') ?? error)
  if (!pending || url.searchParams.get('state') !== pending.state) {
    throw new Error('the sign-in answer does not match a sign-in this tab started; sign in again')
  }
  const tokens = await tokenRequest(endpoints, {
    grant_type: 'authorization_code',
    client_id: config.client_id,
    code: url.searchParams.get('code') ?? '',
    redirect_uri: callbackUrl(location.origin),
    code_verifier: pending.verifier,
  })
  return { tokens, back: pending.back }
}

export function refresh(config: ConsoleConfig, endpoints: Endpoints, refreshToken: string) {
  return tokenRequest(endpoints, {
    grant_type: 'refresh_token',
    client_id: config.client_id,
    refresh_token: refreshToken,
  })
}

/** Best effort: the refresh token is revoked at sign-out; the page forgets both tokens anyway. */
export async function revoke(config: ConsoleConfig, endpoints: Endpoints, token: string): Promise<void> {
  if (!endpoints.revocation_endpoint) return
  const body = new URLSearchParams({ client_id: config.client_id, token })
  await fetch(endpoints.revocation_endpoint, { method: 'POST', body }).catch(() => undefined)
}

async function tokenRequest(endpoints: Endpoints, form: Record<string, string>): Promise<Tokens> {
  const response = await fetch(endpoints.token_endpoint, { method: 'POST', body: new URLSearchParams(form) })
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (!response.ok) {
    throw new Error(
      String(body.error_description ?? body.error ?? `token request failed (${response.status})`),
    )
  }
  return {
    access_token: String(body.access_token),
    refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expires_at: Date.now() + Number(body.expires_in ?? 300) * 1000,
  }
}

function takePending(): Pending | null {
  const text = sessionStorage.getItem(PENDING)
  sessionStorage.removeItem(PENDING)
  if (!text) return null
  try {
    return JSON.parse(text) as Pending
  } catch {
    return null
  }
}

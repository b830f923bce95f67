import type { Tokens } from './oidc.ts'

// The user's tokens, in memory only (a reload signs in again, silently when the issuer's session
// is still there). An access token about to expire is refreshed first, once for all callers.

/** Refreshed this long before it expires: a request in flight must not carry a dead token. */
export const REFRESH_MARGIN_MS = 60_000

export function needsRefresh(tokens: Tokens, now: number): boolean {
  return tokens.expires_at - now <= REFRESH_MARGIN_MS
}

export interface TokenKeeper {
  token(): Promise<string>
  forget(): Tokens | null
}

export function createTokenKeeper(
  first: Tokens,
  refresh: (refreshToken: string) => Promise<Tokens>,
  now: () => number = Date.now,
): TokenKeeper {
  let tokens: Tokens | null = first
  let refreshing: Promise<Tokens> | null = null
  return {
    async token() {
      if (!tokens) throw new Error('signed out')
      if (!needsRefresh(tokens, now()) || !tokens.refresh_token) return tokens.access_token
      const kept = tokens
      refreshing ??= refresh(kept.refresh_token ?? '').finally(() => {
        refreshing = null
      })
      const fresh = await refreshing
      // A rotated refresh token replaces the old; an issuer that keeps it sends none back.
      tokens = { ...fresh, refresh_token: fresh.refresh_token ?? kept.refresh_token }
      return tokens.access_token
    },
    forget() {
      const last = tokens
      tokens = null
      return last
    },
  }
}

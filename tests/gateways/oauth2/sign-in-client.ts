import { createHash, randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { CONSOLE_CLIENT_ID } from '../../../infra/oidc/clients.ts'

// The console client's side of authorization code + PKCE, driven with fetch and a cookie jar
// instead of a browser: the int tests' way through the sign-in pages.

export const REDIRECT_URI = 'http://127.0.0.1:43117/callback'

export function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  return { verifier, challenge }
}

/**
 * The authorization request. A refresh token needs `offline_access` with `prompt=consent` (OIDC
 * Core §11: oidc-provider drops offline_access otherwise), so that is the default.
 */
export function authorizeUrl(
  base: string,
  challenge: string,
  {
    scope = 'openid email offline_access admin',
    prompt = 'consent' as string | null,
    redirectUri = REDIRECT_URI,
  } = {},
) {
  const query = new URLSearchParams({
    ...(prompt ? { prompt } : {}),
    client_id: CONSOLE_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  })
  return `${base}/oauth2/auth?${query}`
}

export interface Answer {
  status: number
  url: string
  location: string | null
  text: string
  headers: Headers
}

/** A browser without a browser: cookies by name (the flow never needs two of one name). */
export function browser(base: string) {
  const jar = new Map<string, string>()
  const keep = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const name = pair.slice(0, pair.indexOf('='))
      const value = pair.slice(pair.indexOf('=') + 1)
      const gone = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a))
      if (gone || value === '') jar.delete(name)
      else jar.set(name, value)
    }
  }
  const request = async (method: string, url: string, form?: Record<string, string>): Promise<Answer> => {
    const absolute = new URL(url, base)
    const target =
      absolute.origin === new URL(base).origin
        ? absolute.href
        : `${base}${absolute.pathname}${absolute.search}`
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    })
    keep(response.headers)
    return {
      status: response.status,
      url: target,
      location: response.headers.get('location'),
      text: await response.text(),
      headers: response.headers,
    }
  }
  /** Follows redirects on this origin; stops at a page, or at a redirect to the client. */
  const follow = async (first: Answer): Promise<Answer> => {
    let answer = first
    for (let hops = 0; answer.location && hops < 10; hops++) {
      if (answer.location.startsWith(REDIRECT_URI)) return answer
      answer = await request('GET', answer.location)
    }
    return answer
  }
  return {
    get: async (url: string) => follow(await request('GET', url)),
    post: async (url: string, form: Record<string, string>) => follow(await request('POST', url, form)),
  }
}

/** The action of the page's (first) form. */
export function formAction(page: Answer): string {
  const match = /<form method="post" action="([^"]+)"/.exec(page.text)
  expect(match, page.text).not.toBeNull()
  return (match?.[1] ?? '').replaceAll('&amp;', '&')
}

/** The code the flow ended with, from the redirect to the client. */
export function codeOf(answer: Answer): string {
  expect(answer.location, answer.text).toMatch(/^http:\/\/127\.0\.0\.1:43117\/callback\?/)
  const code = new URL(answer.location ?? '').searchParams.get('code')
  expect(code).toBeTruthy()
  return code ?? ''
}

/** POST /oauth2/token as the public console client (no secret). */
export async function tokenRequest(base: string, form: Record<string, string>) {
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, ...form }).toString(),
  })
  return { status: response.status, body: (await response.json()) as Record<string, string> }
}

export const exchange = (base: string, code: string, verifier: string, redirectUri = REDIRECT_URI) =>
  tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  })

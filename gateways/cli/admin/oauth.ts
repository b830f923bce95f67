import { z } from 'zod'
import { send } from './client.ts'
import type { SavedToken } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'

// Token requests to the platform's issuer: client_credentials for a service account (docs/security.md,
// "Machines"), refresh_token for a person signed in with a browser. The endpoints are read from
// the issuer's discovery document, not assumed.

const discovery = z.object({ token_endpoint: z.string(), authorization_endpoint: z.string().optional() })
const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
  refresh_token: z.string().optional(),
})

async function jsonOf(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json()
  } catch {
    throw new CliError(EXIT.failed, `${what} is not JSON`)
  }
}

/** The endpoints the issuer's `/.well-known/openid-configuration` names. */
export async function discover(issuer: string): Promise<z.infer<typeof discovery>> {
  const url = `${issuer}/.well-known/openid-configuration`
  const parsed = discovery.safeParse(await jsonOf(await send(url, {}), url))
  if (!parsed.success) throw new CliError(EXIT.failed, `${url} names no token_endpoint`)
  return parsed.data
}

/** POSTs a token request (form) and reads the token, its expiry counted from `asked`. */
export async function requestToken(
  endpoint: string,
  form: Record<string, string>,
  now: () => Date,
  headers: Record<string, string> = {},
): Promise<SavedToken> {
  const asked = now()
  const response = await send(endpoint, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  })
  const parsed = tokenResponse.safeParse(await jsonOf(response, endpoint))
  if (!parsed.success) throw new CliError(EXIT.failed, `${endpoint} answered no access_token`)
  const { access_token, token_type, expires_in, refresh_token } = parsed.data
  return {
    access_token,
    ...(token_type ? { token_type } : {}),
    // Counted from when it was asked for: the token cannot live longer than that.
    ...(expires_in !== undefined
      ? { expires_at: new Date(asked.getTime() + expires_in * 1000).toISOString() }
      : {}),
    ...(refresh_token ? { refresh_token } : {}),
  }
}

/** A token for the client (HTTP basic client authentication), with its expiry as an instant. */
export async function clientCredentialsToken(
  issuer: string,
  clientId: string,
  clientSecret: string,
  now: () => Date,
): Promise<SavedToken> {
  const { token_endpoint } = await discover(issuer)
  // RFC 6749 2.3.1: id and secret are form-urlencoded before they go into the basic credentials.
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
    'base64',
  )
  return requestToken(token_endpoint, { grant_type: 'client_credentials' }, now, {
    authorization: `Basic ${basic}`,
  })
}

/** A new token for a person's saved refresh token (a public client: no secret; it rotates). */
export async function refreshedToken(
  issuer: string,
  clientId: string,
  refreshToken: string,
  now: () => Date,
): Promise<SavedToken> {
  const { token_endpoint } = await discover(issuer)
  const form = { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }
  return requestToken(token_endpoint, form, now)
}

import { z } from 'zod'
import { send } from './client.ts'
import type { SavedToken } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'

// client_credentials against the platform's issuer (docs/security.md, "Machines"): the token
// endpoint is read from the issuer's discovery document, not assumed.

const discovery = z.object({ token_endpoint: z.string() })
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

/** The token endpoint the issuer's `/.well-known/openid-configuration` names. */
export async function discoverTokenEndpoint(issuer: string): Promise<string> {
  const url = `${issuer}/.well-known/openid-configuration`
  const parsed = discovery.safeParse(await jsonOf(await send(url, {}), url))
  if (!parsed.success) throw new CliError(EXIT.failed, `${url} names no token_endpoint`)
  return parsed.data.token_endpoint
}

/** A token for the client (HTTP basic client authentication), with its expiry as an instant. */
export async function clientCredentialsToken(
  issuer: string,
  clientId: string,
  clientSecret: string,
  now: () => Date,
): Promise<SavedToken> {
  const endpoint = await discoverTokenEndpoint(issuer)
  // RFC 6749 2.3.1: id and secret are form-urlencoded before they go into the basic credentials.
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
    'base64',
  )
  const asked = now()
  const response = await send(endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
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

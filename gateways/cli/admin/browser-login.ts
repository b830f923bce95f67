import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Context } from './command.ts'
import type { SavedToken } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'
import { discover, requestToken } from './oauth.ts'

// `aiaas login --browser`: a person signs in with authorization code + PKCE and a loopback
// redirect (RFC 8252 §7.3), as native apps do: the CLI listens on 127.0.0.1 at a port of the
// system's choosing, prints the sign-in URL, and the browser comes back to it with the code. The
// client is the platform's public first-party client (infra/oidc/clients.ts), which registers
// loopback redirects on any port; the person signs in on the issuer's own pages (password, TOTP).

/** The platform's public first-party client (infra/oidc/clients.ts CONSOLE_CLIENT_ID). */
export const FIRST_PARTY_CLIENT = 'aiaas-console'
/** offline_access with prompt=consent: a refresh token, so the CLI can renew the 300 s token. */
const SCOPE = 'openid email offline_access admin'

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export function authorizeUrl(
  endpoint: string,
  redirectUri: string,
  challenge: string,
  state: string,
): string {
  const url = new URL(endpoint)
  const query = {
    client_id: FIRST_PARTY_CLIENT,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: SCOPE,
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
  return url.toString()
}

const PAGE = (text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>aiaas login</title><p>${text}</p></html>`

/** Waits for the one redirect that carries our state; answers the browser a line of text. */
function awaitCallback(
  state: string,
  timeoutMs: number,
  onListening: (port: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1')
      if (url.pathname !== '/callback' || url.searchParams.get('state') !== state) {
        response.writeHead(404).end()
        return
      }
      const code = url.searchParams.get('code')
      const error = url.searchParams.get('error')
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(
        PAGE(code ? 'Signed in: you may close this tab and go back to the terminal.' : 'Sign-in failed.'),
      )
      finish(() =>
        code ? resolve(code) : reject(new CliError(EXIT.authentication, `sign-in refused: ${error}`)),
      )
    })
    const timer = setTimeout(
      () => finish(() => reject(new CliError(EXIT.authentication, 'no sign-in within the time allowed'))),
      timeoutMs,
    )
    const finish = (then: () => void) => {
      clearTimeout(timer)
      server.close()
      server.closeAllConnections()
      then()
    }
    server.on('error', (error) => finish(() => reject(error)))
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      // A TCP server's address is an AddressInfo (a string only for a pipe or socket path).
      if (address !== null && typeof address !== 'string') onListening(address.port)
    })
  })
}

/** Runs the whole sign-in; the token it ends with carries a refresh token. */
export async function browserSignIn(ctx: Context, timeoutMs: number): Promise<SavedToken> {
  const endpoints = await discover(ctx.settings.issuer)
  if (endpoints.authorization_endpoint === undefined)
    throw new CliError(EXIT.failed, 'the issuer names no authorization_endpoint')
  const authorization = endpoints.authorization_endpoint
  const { verifier, challenge } = pkcePair()
  const state = randomBytes(16).toString('base64url')
  let redirectUri = ''
  const code = await awaitCallback(state, timeoutMs, (port) => {
    redirectUri = `http://127.0.0.1:${port}/callback`
    ctx.io.err(
      `open this address in a browser to sign in:\n\n  ${authorizeUrl(authorization, redirectUri, challenge, state)}\n\n`,
    )
  })
  const form = {
    grant_type: 'authorization_code',
    client_id: FIRST_PARTY_CLIENT,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  }
  return requestToken(endpoints.token_endpoint, form, ctx.now)
}

import { type CliFile, readCliFile, writeCliFile } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'
import { clientCredentialsToken, refreshedToken } from './oauth.ts'
import { isExpired, type Settings } from './settings.ts'

// The token a command sends: the one given (flag or AIAAS_TOKEN), else the saved one while it is
// valid, else a new one (saved for the next command): by its refresh token for a person signed in
// with a browser, by client_credentials when a client id and secret are at hand; else exit 3.

export interface TokenDeps {
  settings: Settings
  configPath: string
  now: () => Date
}

export async function currentToken(deps: TokenDeps): Promise<string> {
  const { settings } = deps
  const { token } = settings
  if (token.kind === 'given') return token.token
  if (token.kind === 'saved' && !isExpired(token.token, deps.now())) return token.token.access_token
  const refresh = token.kind === 'saved' ? token.token.refresh_token : undefined
  if (refresh !== undefined && settings.clientId !== undefined && settings.clientSecret === undefined) {
    const fresh = await refreshedToken(settings.issuer, settings.clientId, refresh, deps.now)
    await saveLogin(deps.configPath, settings, fresh)
    return fresh.access_token
  }
  if (settings.clientId !== undefined && settings.clientSecret !== undefined) {
    const fresh = await clientCredentialsToken(
      settings.issuer,
      settings.clientId,
      settings.clientSecret,
      deps.now,
    )
    await saveLogin(deps.configPath, settings, fresh)
    return fresh.access_token
  }
  throw new CliError(
    EXIT.authentication,
    token.kind === 'saved'
      ? 'the saved token has expired: run `aiaas login` again (or set AIAAS_CLIENT_SECRET to renew it)'
      : 'no token: run `aiaas login`, or give --token or AIAAS_TOKEN',
  )
}

/** Saves the endpoint, issuer, client id and token (never the secret), keeping other settings. */
export async function saveLogin(path: string, settings: Settings, token: CliFile['token']): Promise<void> {
  const file = await readCliFile(path)
  const sameEndpoint = file.endpoint === undefined || file.endpoint === settings.endpoint
  await writeCliFile(path, {
    ...(sameEndpoint ? file : {}),
    endpoint: settings.endpoint,
    ...(settings.analyticsEndpoint !== settings.endpoint
      ? { analytics_endpoint: settings.analyticsEndpoint }
      : {}),
    issuer: settings.issuer,
    ...(settings.clientId !== undefined ? { client_id: settings.clientId } : {}),
    token,
  })
}

import { integer, type Values } from './args.ts'
import { browserSignIn, FIRST_PARTY_CLIENT } from './browser-login.ts'
import type { Context, Subcommand } from './command.ts'
import { type CliFile, readCliFile, writeCliFile } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'
import { clientCredentialsToken } from './oauth.ts'
import { saveLogin } from './tokens.ts'

// `aiaas login` (client credentials, a service account; or --browser, a person) and `aiaas
// logout`. The token is saved in the config file, 0600; a service account's secret is not, so its
// token is renewed only where the secret is given again (AIAAS_CLIENT_SECRET); a person's token
// is renewed with its refresh token. The device flow is not built (docs/cli.md).

/** How long `login --browser` waits for the person by default. */
const BROWSER_TIMEOUT_SECONDS = 300

async function machineToken(ctx: Context) {
  const { clientId, clientSecret, issuer } = ctx.settings
  if (clientId === undefined || clientSecret === undefined)
    throw new CliError(
      EXIT.usage,
      'login needs --client-id and --client-secret (or AIAAS_CLIENT_ID, AIAAS_CLIENT_SECRET), or --browser',
    )
  return { clientId, token: await clientCredentialsToken(issuer, clientId, clientSecret, ctx.now) }
}

async function personToken(ctx: Context, values: Values) {
  const seconds = integer(values, 'timeout-seconds') ?? BROWSER_TIMEOUT_SECONDS
  if (seconds < 1) throw new CliError(EXIT.usage, '--timeout-seconds must be at least 1')
  return { clientId: FIRST_PARTY_CLIENT, token: await browserSignIn(ctx, seconds * 1000) }
}

async function login(ctx: Context, values: Values): Promise<number> {
  const { clientId, token } =
    values.browser === true ? await personToken(ctx, values) : await machineToken(ctx)
  await saveLogin(ctx.configPath, { ...ctx.settings, clientId }, token)
  const expires_at = token.expires_at ?? null
  if (ctx.json)
    ctx.io.out(`${JSON.stringify({ endpoint: ctx.settings.endpoint, client_id: clientId, expires_at })}\n`)
  else
    ctx.io.out(
      `signed in to ${ctx.settings.endpoint} as ${clientId}` +
        `${expires_at ? `; token valid until ${expires_at}` : ''}; saved in ${ctx.configPath}\n`,
    )
  return EXIT.ok
}

export const loginCommand: Subcommand = {
  about:
    'signs in as a service account (client_credentials) or, with --browser, as a person; saves the token',
  options: {
    'client-id': { type: 'string', value: '<id>', about: 'the client id (or AIAAS_CLIENT_ID)' },
    'client-secret': {
      type: 'string',
      value: '<secret>',
      about: 'the client secret (better: AIAAS_CLIENT_SECRET)',
    },
    issuer: {
      type: 'string',
      value: '<url>',
      about: 'the issuer (default <endpoint>/oauth2; or AIAAS_ISSUER)',
    },
    browser: { type: 'boolean', about: 'sign in as a person, in a browser (authorization code + PKCE)' },
    'timeout-seconds': {
      type: 'string',
      value: '<n>',
      about: `how long --browser waits for the sign-in (default ${BROWSER_TIMEOUT_SECONDS})`,
    },
  },
  run: (ctx, values) => login(ctx, values),
}

export const logoutCommand: Subcommand = {
  about: 'forgets the saved token (the config file keeps the endpoint)',
  async run(ctx) {
    const { token: _token, ...rest }: CliFile = await readCliFile(ctx.configPath)
    await writeCliFile(ctx.configPath, rest)
    if (!ctx.json) ctx.io.out(`signed out; ${ctx.configPath} holds no token\n`)
    return EXIT.ok
  },
}

import type { Context, Subcommand } from './command.ts'
import { type CliFile, readCliFile, writeCliFile } from './config-file.ts'
import { CliError, EXIT } from './exit-codes.ts'
import { clientCredentialsToken } from './oauth.ts'
import { saveLogin } from './tokens.ts'

// `aiaas login` (client credentials, a service account) and `aiaas logout`. The token is saved
// in the config file, 0600; the secret is not, so a token is renewed only where the secret is
// given again (AIAAS_CLIENT_SECRET). Device flow for people is not built (docs/cli.md).

async function login(ctx: Context): Promise<number> {
  const { clientId, clientSecret, issuer } = ctx.settings
  if (clientId === undefined || clientSecret === undefined)
    throw new CliError(
      EXIT.usage,
      'login needs --client-id and --client-secret (or AIAAS_CLIENT_ID, AIAAS_CLIENT_SECRET)',
    )
  const token = await clientCredentialsToken(issuer, clientId, clientSecret, ctx.now)
  await saveLogin(ctx.configPath, ctx.settings, token)
  if (ctx.json)
    ctx.io.out(
      `${JSON.stringify({ endpoint: ctx.settings.endpoint, client_id: clientId, expires_at: token.expires_at ?? null })}\n`,
    )
  else
    ctx.io.out(
      `signed in to ${ctx.settings.endpoint} as ${clientId}` +
        `${token.expires_at ? `; token valid until ${token.expires_at}` : ''}; saved in ${ctx.configPath}\n`,
    )
  return EXIT.ok
}

export const loginCommand: Subcommand = {
  about: "signs in as a service account (client_credentials at the platform's issuer) and saves the token",
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
  },
  run: (ctx) => login(ctx),
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

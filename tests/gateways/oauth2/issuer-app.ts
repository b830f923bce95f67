import { onTestFinished } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { openIssuer } from '../../../gateways/oauth2/open-issuer.ts'
import { oauth2Routes } from '../../../gateways/oauth2/routes.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import type { Database } from '../../../infra/ports/database.ts'

export const ISSUER = 'http://issuer.test/oauth2'

/** The issuer alone on `db`, mounted at /oauth2, called through app.inject; closed with the test. */
export async function startIssuerApp(
  db: Database,
  secrets = createSecretBox(db, parseKeyring(newKeyringText('k1'))),
) {
  const issuer = await openIssuer(db, secrets, ISSUER, memoryStore())
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('oauth2-test') })
  await app.register(oauth2Routes, { prefix: '/oauth2', provider: issuer.provider })
  await app.ready()
  onTestFinished(() => app.close())
  const token = async (clientId: string, secret: string, form: Record<string, string> = {}) => {
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString(
      'base64',
    )
    const response = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        host: 'issuer.test',
      },
      payload: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
    })
    return { status: response.statusCode, body: response.json() as Record<string, unknown> }
  }
  return { app, issuer, token, secrets }
}

import type { FastifyInstance } from 'fastify'
import type { Provider } from 'oidc-provider'
import { v7 } from 'uuid'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { SecretBox } from '../../../infra/ports/secret-box.ts'
import { invitationPages } from './invitation.ts'
import { interactionRoutes } from './routes.ts'
import { addressThrottle } from './throttle.ts'

/** Password and second-factor posts per client address and minute, per process (throttle.ts). */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 20

/** The sign-in and invitation pages under `prefix` (the issuer's). */
export async function mountSignInPages(
  app: FastifyInstance,
  prefix: string,
  adapters: { provider: Provider; store: OidcStore; db: Database; secrets: SecretBox },
): Promise<void> {
  const { provider, store, db, secrets } = adapters
  // The pages record what a sign-in decides (attempts, TOTP, activation) as commands of their own.
  const credentials = { store: createEventStore(db), now: () => new Date(), newId: v7, secrets }
  const throttle = addressThrottle({ limit: SIGN_IN_ATTEMPTS_PER_MINUTE, windowMs: 60_000 })
  await app.register(interactionRoutes, { prefix, provider, store, db, credentials, throttle })
  await app.register(invitationPages, { prefix, credentials })
}

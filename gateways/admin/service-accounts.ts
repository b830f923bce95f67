import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { createServiceAccount } from '../../commands/service-accounts/create-service-account.ts'
import {
  revokeServiceAccount,
  rotateServiceAccountSecret,
} from '../../commands/service-accounts/lifecycle.ts'
import { AppError } from '../../domain/errors.ts'
import {
  findServiceAccount,
  listServiceAccounts,
  type ServiceAccountView,
} from '../../projections/service-accounts/queries.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { created, setETag } from './preconditions.ts'
import {
  accountParams,
  createBody,
  createdAccount,
  listQuery,
  rotatedSecret,
  serviceAccount,
  serviceAccountList,
} from './service-account-schemas.ts'

const shown = ({ version: _version, ...view }: ServiceAccountView) => ({
  ...view,
  object: 'service_account' as const,
})

async function found(deps: AdminDeps, service_account_id: string): Promise<ServiceAccountView> {
  const view = await findServiceAccount(deps.readModels, service_account_id)
  if (!view)
    throw new AppError('SERVICE_ACCOUNT_NOT_FOUND', 'no such service account', { service_account_id })
  return view
}

/** /service-accounts: machines that sign in with client_credentials at /oauth2/token. */
export const serviceAccountRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const location = (id: string) => `${app.prefix}/service-accounts/${id}`

  app.post(
    '/service-accounts',
    { schema: { body: createBody, response: { 201: createdAccount } } },
    async (request, reply) => {
      const account = await createServiceAccount(deps.commands, request.body, commandContext(request))
      await deps.awaitProjection(account.position)
      created(reply, location(account.service_account_id))
      const { service_account_id, position: _position, ...rest } = account
      return {
        ...rest,
        id: service_account_id,
        object: 'service_account' as const,
        status: 'active' as const,
      }
    },
  )

  app.get(
    '/service-accounts',
    { schema: { querystring: listQuery, response: { 200: serviceAccountList } } },
    async (request) => {
      const { limit, cursor, ...filters } = request.query
      const page = await pageInCommitOrder({ limit, cursor }, (window) =>
        listServiceAccounts(deps.readModels, { ...filters, ...window }),
      )
      return { ...page, data: page.data.map(shown) }
    },
  )

  app.get(
    '/service-accounts/:service_account_id',
    { schema: { params: accountParams, response: { 200: serviceAccount } } },
    async (request, reply) => {
      const view = await found(deps, request.params.service_account_id)
      setETag(reply, view.version)
      return shown(view)
    },
  )

  app.post(
    '/service-accounts/:service_account_id/rotate-secret',
    { schema: { params: accountParams, response: { 200: rotatedSecret } } },
    async (request, reply) => {
      const rotated = await rotateServiceAccountSecret(deps.commands, request.params, commandContext(request))
      await deps.awaitProjection(rotated.position)
      const view = await found(deps, rotated.service_account_id)
      setETag(reply, view.version)
      const { client_secret, rotated_at } = rotated
      return {
        id: view.id,
        object: 'service_account' as const,
        client_id: view.client_id,
        client_secret,
        rotated_at,
      }
    },
  )

  app.post(
    '/service-accounts/:service_account_id/revoke',
    { schema: { params: accountParams, response: { 200: serviceAccount } } },
    async (request, reply) => {
      const revoked = await revokeServiceAccount(deps.commands, request.params, commandContext(request))
      await deps.awaitProjection(revoked.position)
      const view = await found(deps, request.params.service_account_id)
      setETag(reply, view.version)
      return shown(view)
    },
  )
}

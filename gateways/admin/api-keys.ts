import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import { revokeApiKey } from '../../commands/api-keys/revoke-api-key.ts'
import { rotateApiKey } from '../../commands/api-keys/rotate-api-key.ts'
import { rotateSigningSecret } from '../../commands/api-keys/rotate-signing-secret.ts'
import { AppError } from '../../domain/errors.ts'
import { type ApiKeyView, findApiKey, listApiKeys } from '../../projections/api-keys/queries.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import {
  apiKey,
  apiKeyList,
  issueBody,
  issuedKey,
  keyParams,
  listQuery,
  rotateBody,
  rotatedKey,
  rotatedSigningSecret,
} from './api-key-schemas.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { created, setETag } from './preconditions.ts'

const shown = ({ version: _version, ...view }: ApiKeyView) => ({ ...view, object: 'api_key' as const })

async function found(deps: AdminDeps, api_key_id: string): Promise<ApiKeyView> {
  const view = await findApiKey(deps.readModels, api_key_id)
  if (!view) throw new AppError('API_KEY_NOT_FOUND', 'no such API key', { api_key_id })
  return view
}

/** /api-keys: issue, list, read, revoke and rotate keys (and their signing secrets). A secret is shown once, a hash never. */
export const apiKeyRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const location = (id: string) => `${app.prefix}/api-keys/${id}`

  app.post(
    '/api-keys',
    { schema: { body: issueBody, response: { 201: issuedKey } } },
    async (request, reply) => {
      const { expires_at, ...input } = request.body
      // Stored in UTC whatever offset it came with, so one instant is always one value.
      const expiry = expires_at ? new Date(expires_at).toISOString() : null
      const issued = await issueApiKey(
        deps.commands,
        { ...input, expires_at: expiry },
        commandContext(request),
        deps.secrets,
      )
      await deps.awaitProjection(issued.position)
      created(reply, location(issued.api_key_id))
      const { api_key_id, position: _position, ...rest } = issued
      return { ...rest, id: api_key_id, object: 'api_key' as const, status: 'active' as const }
    },
  )

  // A new request-signing secret, the previous one stopping at once (no grace: docs/routing.md).
  app.post(
    '/api-keys/:api_key_id/rotate-signing-secret',
    { schema: { params: keyParams, response: { 200: rotatedSigningSecret } } },
    async (request) => {
      const context = commandContext(request)
      const rotated = await rotateSigningSecret(deps.commands, request.params, context, deps.secrets)
      await deps.awaitProjection(rotated.position)
      const { api_key_id, organization_id, signing_secret, signing_secret_set_at } = rotated
      return {
        id: api_key_id,
        object: 'api_key' as const,
        organization_id,
        signing_secret,
        signing_secret_set_at,
      }
    },
  )

  app.get(
    '/api-keys',
    { schema: { querystring: listQuery, response: { 200: apiKeyList } } },
    async (request) => {
      const { limit, cursor, ...filters } = request.query
      const page = await pageInCommitOrder({ limit, cursor }, (window) =>
        listApiKeys(deps.readModels, { ...filters, ...window }),
      )
      return { ...page, data: page.data.map(shown) }
    },
  )

  app.get(
    '/api-keys/:api_key_id',
    { schema: { params: keyParams, response: { 200: apiKey } } },
    async (request, reply) => {
      const view = await found(deps, request.params.api_key_id)
      setETag(reply, view.version)
      return shown(view)
    },
  )

  app.post(
    '/api-keys/:api_key_id/revoke',
    { schema: { params: keyParams, response: { 200: apiKey } } },
    async (request, reply) => {
      const revoked = await revokeApiKey(deps.commands, request.params, commandContext(request))
      await deps.awaitProjection(revoked.position)
      const view = await found(deps, request.params.api_key_id)
      setETag(reply, view.version)
      return shown(view)
    },
  )

  app.post(
    '/api-keys/:api_key_id/rotate',
    { schema: { params: keyParams, body: rotateBody, response: { 201: rotatedKey } } },
    async (request, reply) => {
      const input = { ...request.params, ...request.body }
      const rotated = await rotateApiKey(deps.commands, input, commandContext(request))
      await deps.awaitProjection(rotated.position)
      created(reply, location(rotated.api_key_id))
      const { api_key_id, organization_id, key, key_prefix, previous_valid_until, rotated_at } = rotated
      const previous_key_valid_until = previous_valid_until
      return {
        id: api_key_id,
        object: 'api_key' as const,
        organization_id,
        key,
        key_prefix,
        previous_key_valid_until,
        rotated_at,
      }
    },
  )
}

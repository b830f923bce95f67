import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createUser, type UserCommandDeps } from '../../commands/users/create-user.ts'
import { removeMembership, setMembership } from '../../commands/users/memberships.ts'
import { updateUser } from '../../commands/users/update-user.ts'
import { AppError } from '../../domain/errors.ts'
import { userStream } from '../../domain/users/user.ts'
import { sqlEmailReservations } from '../../projections/users/email-reservations.ts'
import {
  findUser,
  listUsers,
  type MembershipRow,
  membershipsOf,
  membershipsOfUsers,
  type UserRow,
} from '../../projections/users/queries.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import { type AdminDeps, commandContext } from './context.ts'
import { created, requireIfMatch, setETag } from './preconditions.ts'
import {
  createBody,
  listQuery,
  memberParams,
  membership,
  membershipBody,
  patchBody,
  user,
  userList,
  userParams,
} from './user-schemas.ts'

const shown = ({ version: _version, ...row }: UserRow, memberships: MembershipRow[]) => ({
  object: 'user' as const,
  ...row,
  memberships,
})

async function found(deps: AdminDeps, userId: string): Promise<UserRow> {
  const row = await findUser(deps.readModels, userId)
  if (!row) throw new AppError('USER_NOT_FOUND', 'no such user', { user_id: userId })
  return row
}

/** /users and /organizations/{id}/members: users, their memberships and roles. */
export const userRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const userDeps: UserCommandDeps = { ...deps.commands, emails: sqlEmailReservations(deps.readModels) }
  const afterWrite = async (position: bigint | null) => {
    if (position !== null) await deps.awaitProjection(position)
  }
  /** The user as the read model has it now, with the ETag of that version. */
  const current = async (reply: Parameters<typeof setETag>[0], userId: string) => {
    const row = await found(deps, userId)
    setETag(reply, row.version)
    return shown(row, await membershipsOf(deps.readModels, userId))
  }

  app.post('/users', { schema: { body: createBody, response: { 201: user } } }, async (request, reply) => {
    const made = await createUser(userDeps, request.body, commandContext(request))
    await afterWrite(made.position)
    created(reply, `${app.prefix}/users/${made.user_id}`)
    return current(reply, made.user_id)
  })

  app.get('/users', { schema: { querystring: listQuery, response: { 200: userList } } }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    const page = await pageInCommitOrder({ limit, cursor }, (window) =>
      listUsers(deps.readModels, { ...filters, ...window }),
    )
    const memberships = await membershipsOfUsers(
      deps.readModels,
      page.data.map((row) => row.id),
    )
    // A caller who is not a platform admin sees members of its organization and nothing of
    // their other organizations (docs/security.md).
    const org = filters.organization_id
    const visible = (held: MembershipRow[]) =>
      request.subject?.platform_admin || org === undefined
        ? held
        : held.filter((m) => m.organization_id === org)
    return {
      ...page,
      data: page.data.map((row) => shown(row, visible(memberships.get(row.id) ?? []))),
    }
  })

  app.get(
    '/users/:user_id',
    { schema: { params: userParams, response: { 200: user } } },
    async (request, reply) => current(reply, request.params.user_id),
  )

  app.patch(
    '/users/:user_id',
    { schema: { params: userParams, body: patchBody, response: { 200: user } } },
    async (request, reply) => {
      const { user_id } = request.params
      const { display_name, status, platform_admin } = request.body
      requireIfMatch(request, userStream(user_id))
      const input = { user_id, display_name, platform_admin, ...(status ? { disabled: true as const } : {}) }
      const written = await updateUser(userDeps, input, commandContext(request))
      await afterWrite(written.position)
      return current(reply, user_id)
    },
  )

  app.put(
    '/organizations/:organization_id/members/:user_id',
    { schema: { params: memberParams, body: membershipBody, response: { 200: membership } } },
    async (request, reply) => {
      const { organization_id, user_id } = request.params
      requireIfMatch(request, userStream(user_id))
      const input = { organization_id, user_id, roles: request.body.roles }
      const written = await setMembership(userDeps, input, commandContext(request))
      await afterWrite(written.position)
      const row = await found(deps, user_id)
      setETag(reply, row.version)
      const roles = (await membershipsOf(deps.readModels, user_id)).find(
        (held) => held.organization_id === organization_id,
      )?.roles
      return { object: 'membership' as const, organization_id, user_id, roles: roles ?? [] }
    },
  )

  app.delete(
    '/organizations/:organization_id/members/:user_id',
    { schema: { params: memberParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const { organization_id, user_id } = request.params
      requireIfMatch(request, userStream(user_id))
      const written = await removeMembership(userDeps, { organization_id, user_id }, commandContext(request))
      await afterWrite(written.position)
      return reply.code(204).send(null)
    },
  )
}

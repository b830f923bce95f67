import { booleanText, defined, list, text } from './args.ts'
import {
  admin,
  adminResponse,
  type Group,
  IF_MATCH_OPTIONS,
  ifMatchOf,
  listPages,
  PAGE_OPTIONS,
  show,
  showOne,
} from './command.ts'
import { EXIT, UsageError } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas users …`: /admin/v1/users and an organization's members (roles).

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'EMAIL', field: 'email' },
  { header: 'NAME', field: 'display_name' },
  { header: 'STATUS', field: 'status' },
  { header: 'PLATFORM_ADMIN', field: 'platform_admin' },
]

const id = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')
const ORG = { type: 'string', value: '<organization-id>', about: 'the organization', required: true } as const

export const users: Group = {
  create: {
    about: 'creates a user (platform admins)',
    options: {
      email: { type: 'string', value: '<email>', about: 'their address', required: true },
      'display-name': { type: 'string', value: '<name>', about: 'their name', required: true },
      invite: { type: 'boolean', about: 'invited until their first sign-in' },
    },
    async run(ctx, values) {
      const body = {
        email: text(values, 'email'),
        display_name: text(values, 'display-name'),
        invite: values.invite === true,
      }
      showOne(ctx, await adminResponse(ctx, 'POST', '/users', { body }), columns)
      return EXIT.ok
    },
  },
  list: {
    about: "lists users: an organization's members with --org, else every user (platform admins)",
    options: {
      org: { ...ORG, required: false },
      status: { type: 'string', value: '<active|invited|disabled>', about: 'only these' },
      ...PAGE_OPTIONS,
    },
    async run(ctx, values) {
      const query = { organization_id: text(values, 'org'), status: text(values, 'status') }
      show(
        ctx,
        await listPages(ctx, (q) => admin(ctx, 'GET', '/users', { query: q }), query, values),
        columns,
      )
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one user and their memberships',
    args: ['<user-id>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/users/${id(positionals)}`), columns)
      return EXIT.ok
    },
  },
  update: {
    about: 'changes their name, disables them, or grants/removes platform admin',
    args: ['<user-id>'],
    options: {
      'display-name': { type: 'string', value: '<name>', about: 'a new name' },
      disable: { type: 'boolean', about: 'disables the user (final)' },
      'platform-admin': { type: 'string', value: '<true|false>', about: 'platform admin or not' },
      ...IF_MATCH_OPTIONS,
    },
    async run(ctx, values, positionals) {
      const body = defined({
        display_name: text(values, 'display-name'),
        status: values.disable === true ? 'disabled' : undefined,
        platform_admin: booleanText(values, 'platform-admin'),
      })
      const options = { body, ifMatch: ifMatchOf(values) }
      showOne(ctx, await adminResponse(ctx, 'PATCH', `/users/${id(positionals)}`, options), columns)
      return EXIT.ok
    },
  },
  'set-roles': {
    about: 'sets their roles in an organization (makes them a member)',
    args: ['<user-id>'],
    options: {
      org: ORG,
      roles: { type: 'string', value: '<r1,r2>', about: 'e.g. org_admin,analyst', required: true },
    },
    async run(ctx, values, positionals) {
      const roles = list(values, 'roles') ?? []
      if (roles.length === 0) throw new UsageError('--roles names at least one role')
      const path = `/organizations/${encodeURIComponent(text(values, 'org') ?? '')}/members/${id(positionals)}`
      show(ctx, await admin(ctx, 'PUT', path, { body: { roles } }), columns)
      return EXIT.ok
    },
  },
  'remove-member': {
    about: 'removes them from an organization',
    args: ['<user-id>'],
    options: { org: ORG },
    async run(ctx, values, positionals) {
      const path = `/organizations/${encodeURIComponent(text(values, 'org') ?? '')}/members/${id(positionals)}`
      await admin(ctx, 'DELETE', path)
      if (!ctx.json) ctx.io.out(`removed ${positionals[0]} from ${text(values, 'org')}\n`)
      return EXIT.ok
    },
  },
}

import { list, text } from './args.ts'
import type { Query } from './client.ts'
import { admin, adminResponse, type Group, listPages, PAGE_OPTIONS, show, showOne } from './command.ts'
import { EXIT, UsageError } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas service-accounts …`: the machines that `aiaas login` signs in as (docs/security.md,
// "Machines"). The client secret is in the answers of create and rotate-secret only.

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'NAME', field: 'name' },
  { header: 'CLIENT_ID', field: 'client_id' },
  { header: 'ROLES', field: 'roles' },
  { header: 'STATUS', field: 'status' },
]

const id = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')
const ORG = { type: 'string', value: '<organization-id>', about: 'its organization', required: true } as const

export const serviceAccounts: Group = {
  create: {
    about: 'creates a service account and prints its client secret once',
    options: {
      org: ORG,
      name: { type: 'string', value: '<name>', about: 'its name', required: true },
      roles: { type: 'string', value: '<r1,r2>', about: 'its roles in the organization', required: true },
    },
    async run(ctx, values) {
      const roles = list(values, 'roles') ?? []
      if (roles.length === 0) throw new UsageError('--roles names at least one role')
      const body = { organization_id: text(values, 'org'), name: text(values, 'name'), roles }
      show(ctx, await admin(ctx, 'POST', '/service-accounts', { body }), columns)
      ctx.io.err('warning: the client secret is shown once, now: store it, it cannot be read again\n')
      return EXIT.ok
    },
  },
  list: {
    about: "lists an organization's service accounts",
    options: { org: ORG, ...PAGE_OPTIONS },
    async run(ctx, values) {
      const query = { organization_id: text(values, 'org') }
      const page = (q: Query) => admin(ctx, 'GET', '/service-accounts', { query: q })
      show(ctx, await listPages(ctx, page, query, values), columns)
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one service account',
    args: ['<service-account-id>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/service-accounts/${id(positionals)}`), columns)
      return EXIT.ok
    },
  },
  'rotate-secret': {
    about: 'issues a new client secret and prints it once; the old one stops at once',
    args: ['<service-account-id>'],
    async run(ctx, _values, positionals) {
      show(ctx, await admin(ctx, 'POST', `/service-accounts/${id(positionals)}/rotate-secret`), columns)
      ctx.io.err('warning: the client secret is shown once, now: store it, it cannot be read again\n')
      return EXIT.ok
    },
  },
  revoke: {
    about: 'revokes it: no new tokens, and its tokens stop working',
    args: ['<service-account-id>'],
    async run(ctx, _values, positionals) {
      show(ctx, await admin(ctx, 'POST', `/service-accounts/${id(positionals)}/revoke`), columns)
      return EXIT.ok
    },
  },
}

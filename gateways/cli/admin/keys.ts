import { booleanText, defined, integer, list, text } from './args.ts'
import {
  admin,
  adminResponse,
  type Context,
  type Group,
  listPages,
  PAGE_OPTIONS,
  show,
  showOne,
} from './command.ts'
import { EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas keys …`: /admin/v1/api-keys. A key's secret is in the answer that issued or rotated it
// and nowhere else, so those two commands print it and say so on stderr.

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'NAME', field: 'name' },
  { header: 'PREFIX', field: 'key_prefix' },
  { header: 'STATUS', field: 'status' },
  { header: 'MODELS', field: 'allowed_models' },
  { header: 'EXPIRES', field: 'expires_at' },
  { header: 'CREATED', field: 'created_at' },
]

const ORG = { type: 'string', value: '<organization-id>', about: 'its organization', required: true } as const
const id = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')

function warnShownOnce(ctx: Context, what: string): void {
  ctx.io.err(`warning: the ${what} is shown once, now: store it, it cannot be read again\n`)
}

export const keys: Group = {
  create: {
    about: 'issues an API key and prints its secret once',
    options: {
      org: ORG,
      name: { type: 'string', value: '<name>', about: 'its name', required: true },
      models: { type: 'string', value: '<a,b>', about: 'the only models it may call (default: every model)' },
      'rpm-limit': { type: 'string', value: '<n>', about: 'requests per minute' },
      'tpm-limit': { type: 'string', value: '<n>', about: 'tokens per minute' },
      'expires-at': { type: 'string', value: '<rfc3339>', about: 'when it stops working' },
      owner: { type: 'string', value: '<user-id>', about: 'the user it belongs to' },
      'require-signature': { type: 'string', value: '<true|false>', about: 'requests must be signed' },
    },
    async run(ctx, values) {
      const body = defined({
        organization_id: text(values, 'org'),
        name: text(values, 'name'),
        allowed_models: list(values, 'models'),
        rpm_limit: integer(values, 'rpm-limit'),
        tpm_limit: integer(values, 'tpm-limit'),
        expires_at: text(values, 'expires-at'),
        owner_user_id: text(values, 'owner'),
        require_signature: booleanText(values, 'require-signature'),
      })
      show(ctx, await admin(ctx, 'POST', '/api-keys', { body }), columns)
      warnShownOnce(ctx, 'key')
      return EXIT.ok
    },
  },
  list: {
    about: "lists an organization's keys",
    options: {
      org: ORG,
      status: { type: 'string', value: '<active|revoked>', about: 'only these' },
      ...PAGE_OPTIONS,
    },
    async run(ctx, values) {
      const query = { organization_id: text(values, 'org'), status: text(values, 'status') }
      show(
        ctx,
        await listPages(ctx, (q) => admin(ctx, 'GET', '/api-keys', { query: q }), query, values),
        columns,
      )
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one key (never its secret)',
    args: ['<api-key-id>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/api-keys/${id(positionals)}`), columns)
      return EXIT.ok
    },
  },
  revoke: {
    about: 'revokes a key: it stops working at once',
    args: ['<api-key-id>'],
    async run(ctx, _values, positionals) {
      show(ctx, await admin(ctx, 'POST', `/api-keys/${id(positionals)}/revoke`), columns)
      return EXIT.ok
    },
  },
  rotate: {
    about: 'issues a new secret; the old one works for --grace-seconds more',
    args: ['<api-key-id>'],
    options: {
      'grace-seconds': {
        type: 'string',
        value: '<n>',
        about: 'how long the old secret still works (default 0)',
      },
    },
    async run(ctx, values, positionals) {
      const body = { grace_seconds: integer(values, 'grace-seconds') ?? 0 }
      show(ctx, await admin(ctx, 'POST', `/api-keys/${id(positionals)}/rotate`, { body }), columns)
      warnShownOnce(ctx, 'new key')
      return EXIT.ok
    },
  },
}

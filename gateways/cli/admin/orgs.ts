import { booleanText, defined, limitOrNone, list, type OptionSpecs, text } from './args.ts'
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
import { EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas orgs …`: /admin/v1/organizations (docs/admin-api.md).

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'NAME', field: 'name' },
  { header: 'STATUS', field: 'status' },
  { header: 'TIMEZONE', field: 'settings.timezone' },
  { header: 'CREATED', field: 'created_at' },
]

const settingsOptions: OptionSpecs = {
  name: { type: 'string', value: '<name>', about: 'a new name' },
  timezone: { type: 'string', value: '<iana>', about: 'e.g. Europe/Paris' },
  'allowed-models': {
    type: 'string',
    value: '<a,b|all>',
    about: "models its keys may call ('all': every model)",
  },
  'mfa-required': { type: 'string', value: '<true|false>', about: 'members must sign in with TOTP' },
  'rpm-limit': { type: 'string', value: '<n|none>', about: 'requests per minute across its keys' },
  'tpm-limit': { type: 'string', value: '<n|none>', about: 'tokens per minute across its keys' },
  ...IF_MATCH_OPTIONS,
}

const id = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')

const SUSPEND_OPTIONS: OptionSpecs = {
  reason: { type: 'string', value: '<text>', about: 'why', required: true },
}

function lifecycle(action: 'suspend' | 'reactivate' | 'close', about: string) {
  return {
    about,
    args: ['<organization-id>'],
    ...(action === 'suspend' ? { options: SUSPEND_OPTIONS } : {}),
    async run(ctx, values, positionals) {
      const body = action === 'suspend' ? { reason: text(values, 'reason') } : {}
      show(ctx, await admin(ctx, 'POST', `/organizations/${id(positionals)}/${action}`, { body }), columns)
      return EXIT.ok
    },
  } satisfies Group[string]
}

export const orgs: Group = {
  create: {
    about: 'creates an organization (platform admins)',
    options: { name: { type: 'string', value: '<name>', about: 'its name', required: true } },
    async run(ctx, values) {
      show(ctx, await admin(ctx, 'POST', '/organizations', { body: { name: text(values, 'name') } }), columns)
      return EXIT.ok
    },
  },
  list: {
    about: 'lists organizations (platform admins)',
    options: {
      status: { type: 'string', value: '<active|suspended|closed>', about: 'only these' },
      ...PAGE_OPTIONS,
    },
    async run(ctx, values) {
      const page = (query: Record<string, string | number | boolean | undefined>) =>
        admin(ctx, 'GET', '/organizations', { query })
      show(ctx, await listPages(ctx, page, { status: text(values, 'status') }, values), columns)
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one organization',
    args: ['<organization-id>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/organizations/${id(positionals)}`), columns)
      return EXIT.ok
    },
  },
  update: {
    about: 'changes its name or settings',
    args: ['<organization-id>'],
    options: settingsOptions,
    async run(ctx, values, positionals) {
      const models = list(values, 'allowed-models')
      const settings = defined({
        timezone: text(values, 'timezone'),
        allowed_models: models?.length === 1 && models[0] === 'all' ? null : models,
        mfa_required: booleanText(values, 'mfa-required'),
        rpm_limit: limitOrNone(values, 'rpm-limit'),
        tpm_limit: limitOrNone(values, 'tpm-limit'),
      })
      const body = defined({
        name: text(values, 'name'),
        settings: Object.keys(settings).length ? settings : undefined,
      })
      const options = { body, ifMatch: ifMatchOf(values) }
      showOne(ctx, await adminResponse(ctx, 'PATCH', `/organizations/${id(positionals)}`, options), columns)
      return EXIT.ok
    },
  },
  suspend: lifecycle('suspend', 'suspends it: its keys stop working until reactivated'),
  reactivate: lifecycle('reactivate', 'reactivates a suspended organization'),
  close: lifecycle('close', 'closes it for good'),
}

import { defined, numbers, text } from './args.ts'
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

// `aiaas budgets …`: /admin/v1/budgets (docs/admin-api.md, "Budgets").

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'KEY', field: 'api_key_id' },
  { header: 'PERIOD', field: 'period' },
  { header: 'LIMIT_USD', field: 'limit_usd' },
  { header: 'ENFORCEMENT', field: 'enforcement' },
  { header: 'THRESHOLDS', field: 'alert_thresholds' },
]

const id = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')
const terms = {
  limit: { type: 'string', value: '<usd>', about: 'the limit in USD, e.g. 25.00' },
  enforcement: { type: 'string', value: '<hard|soft>', about: 'hard refuses requests over it' },
  thresholds: { type: 'string', value: '<0.5,0.8>', about: 'fractions of the limit that alert' },
} as const

export const budgets: Group = {
  create: {
    about: "creates an organization's budget, or one key's with --key",
    options: {
      org: { type: 'string', value: '<organization-id>', about: 'its organization', required: true },
      key: { type: 'string', value: '<api-key-id>', about: "one key's budget instead of the organization's" },
      period: { type: 'string', value: '<daily|monthly|total>', about: 'when it rolls over', required: true },
      ...terms,
      limit: { ...terms.limit, required: true },
      enforcement: { ...terms.enforcement, required: true },
    },
    async run(ctx, values) {
      const body = defined({
        organization_id: text(values, 'org'),
        api_key_id: text(values, 'key'),
        limit_usd: text(values, 'limit'),
        period: text(values, 'period'),
        enforcement: text(values, 'enforcement'),
        alert_thresholds: numbers(values, 'thresholds'),
      })
      showOne(ctx, await adminResponse(ctx, 'POST', '/budgets', { body }), columns)
      return EXIT.ok
    },
  },
  list: {
    about: "lists an organization's budgets",
    options: {
      org: { type: 'string', value: '<organization-id>', about: 'its organization', required: true },
      key: { type: 'string', value: '<api-key-id>', about: "only this key's" },
      ...PAGE_OPTIONS,
    },
    async run(ctx, values) {
      const query = { organization_id: text(values, 'org'), api_key_id: text(values, 'key') }
      show(
        ctx,
        await listPages(ctx, (q) => admin(ctx, 'GET', '/budgets', { query: q }), query, values),
        columns,
      )
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one budget',
    args: ['<budget-id>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/budgets/${id(positionals)}`), columns)
      return EXIT.ok
    },
  },
  update: {
    about: 'changes its limit, enforcement or thresholds',
    args: ['<budget-id>'],
    options: { ...terms, ...IF_MATCH_OPTIONS },
    async run(ctx, values, positionals) {
      const body = defined({
        limit_usd: text(values, 'limit'),
        enforcement: text(values, 'enforcement'),
        alert_thresholds: numbers(values, 'thresholds'),
      })
      const options = { body, ifMatch: ifMatchOf(values) }
      showOne(ctx, await adminResponse(ctx, 'PATCH', `/budgets/${id(positionals)}`, options), columns)
      return EXIT.ok
    },
  },
  delete: {
    about: 'deletes a budget',
    args: ['<budget-id>'],
    options: IF_MATCH_OPTIONS,
    async run(ctx, values, positionals) {
      await admin(ctx, 'DELETE', `/budgets/${id(positionals)}`, { ifMatch: ifMatchOf(values) })
      if (!ctx.json) ctx.io.out(`deleted budget ${positionals[0]}\n`)
      return EXIT.ok
    },
  },
}

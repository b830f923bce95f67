import { defined, integer, list, text, type Values } from './args.ts'
import { readBodyFile } from './body-file.ts'
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

// `aiaas models …`: /admin/v1/models, the model catalogue (platform admins). Backends are a
// nested list, so create takes the body from --file; the scalar fields also have flags, which
// win over the file's.

const columns: Column[] = [
  { header: 'NAME', field: 'name' },
  { header: 'ALIASES', field: 'aliases' },
  { header: 'INPUT_$/M', field: 'input_price_per_million_usd' },
  { header: 'OUTPUT_$/M', field: 'output_price_per_million_usd' },
  { header: 'STRATEGY', field: 'strategy' },
  { header: 'BACKENDS', field: 'backends.length' },
]

const name = (positionals: readonly string[]) => encodeURIComponent(positionals[0] ?? '')

const fieldOptions = {
  file: { type: 'string', value: '<path|->', about: 'the JSON body (docs/admin-api.md; - reads stdin)' },
  aliases: { type: 'string', value: '<a,b>', about: 'other names it answers to' },
  'input-price': { type: 'string', value: '<usd>', about: 'USD per million input tokens' },
  'output-price': { type: 'string', value: '<usd>', about: 'USD per million output tokens' },
  'max-output-tokens': { type: 'string', value: '<n>', about: 'the most output tokens a request may ask' },
  strategy: { type: 'string', value: '<priority|weighted|least_latency>', about: 'how backends are chosen' },
} as const

async function bodyOf(values: Values): Promise<Record<string, unknown>> {
  const file = text(values, 'file')
  return {
    ...(file === undefined ? {} : await readBodyFile(file)),
    ...defined({
      aliases: list(values, 'aliases'),
      input_price_per_million_usd: text(values, 'input-price'),
      output_price_per_million_usd: text(values, 'output-price'),
      max_output_tokens: integer(values, 'max-output-tokens'),
      strategy: text(values, 'strategy'),
    }),
  }
}

export const models: Group = {
  create: {
    about: 'adds a model with its backends and prices',
    args: ['<name>'],
    options: fieldOptions,
    async run(ctx, values, positionals) {
      const body = { ...(await bodyOf(values)), name: positionals[0] }
      showOne(ctx, await adminResponse(ctx, 'POST', '/models', { body }), columns)
      return EXIT.ok
    },
  },
  list: {
    about: 'lists the catalogue',
    options: PAGE_OPTIONS,
    async run(ctx, values) {
      show(ctx, await listPages(ctx, (query) => admin(ctx, 'GET', '/models', { query }), {}, values), columns)
      return EXIT.ok
    },
  },
  get: {
    about: 'shows one model and its backends',
    args: ['<name>'],
    async run(ctx, _values, positionals) {
      showOne(ctx, await adminResponse(ctx, 'GET', `/models/${name(positionals)}`), columns)
      return EXIT.ok
    },
  },
  update: {
    about: 'changes the fields given (a --file body and/or flags)',
    args: ['<name>'],
    options: { ...fieldOptions, ...IF_MATCH_OPTIONS },
    async run(ctx, values, positionals) {
      const options = { body: await bodyOf(values), ifMatch: ifMatchOf(values) }
      showOne(ctx, await adminResponse(ctx, 'PATCH', `/models/${name(positionals)}`, options), columns)
      return EXIT.ok
    },
  },
  delete: {
    about: 'removes a model from the catalogue',
    args: ['<name>'],
    options: IF_MATCH_OPTIONS,
    async run(ctx, values, positionals) {
      await admin(ctx, 'DELETE', `/models/${name(positionals)}`, { ifMatch: ifMatchOf(values) })
      if (!ctx.json) ctx.io.out(`deleted model ${positionals[0]}\n`)
      return EXIT.ok
    },
  },
}

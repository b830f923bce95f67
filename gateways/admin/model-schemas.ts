import { z } from 'zod'
import { backendUrlProblem } from '../../domain/models/backend-address.ts'
import { PROBE_PATHS, PROVIDERS, STRATEGIES } from '../../domain/models/model.ts'
import { canonicalPrice } from '../../domain/models/price.ts'
import { listOf, pageQuery } from '../http/pagination.ts'

// Wire shapes of /admin/v1/models. Requests are validated here field by field (400 naming the
// field); the domain checks the address allow-list (422). Responses never carry an api key: only
// whether one is set and, for a long one, its last four characters.

/** Model names as OpenAI clients send them: `gpt-4o`, `meta-llama/Llama-3-8B`, `claude@2024`. */
export const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'letters, digits and . _ : / @ + - (not first)')

const price = z
  .union([z.string(), z.number()])
  .refine((p) => canonicalPrice(p) !== null, 'a price in USD: a decimal in 0…100000, at most 9 decimals')

const backendUrl = z
  .string()
  .max(2048)
  .superRefine((url, ctx) => {
    const problem = backendUrlProblem(url)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

// Credentials belong in api_key (stored encrypted); framing headers are the router's to set.
const RESERVED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
])
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'an HTTP header name')
  .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), 'a credential or framing header (use api_key)')
const headerValue = z
  .string()
  .max(1024)
  .regex(/^[^\r\n\0]*$/, 'one line')
const headers = z
  .record(headerName, headerValue)
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')

/** The router's output bound (gateways/router/chat-schema.ts CHAT_BOUNDS.output_tokens). */
const MAX_OUTPUT_TOKENS = 1_000_000

const backendFields = {
  url: backendUrl,
  provider: z.enum(PROVIDERS),
  weight: z.number().int().min(0).max(1000).default(1),
  priority: z.number().int().min(0).max(1000).default(0),
  timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
  headers: headers.default({}),
  /** Absent: the backend is never probed. */
  probe: z
    .object({
      path: z.enum(PROBE_PATHS),
      interval_ms: z.number().int().min(1000).max(3_600_000).default(10_000),
    })
    .strict()
    .optional(),
}
const apiKeyText = z.string().min(1).max(4096)

const aliases = z
  .array(modelName)
  .max(20)
  .refine((list) => new Set(list).size === list.length, 'aliases must be distinct')

const minuteLimit = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable()

const fields = {
  aliases,
  input_price_per_million_usd: price,
  output_price_per_million_usd: price,
  max_output_tokens: z.number().int().positive().max(MAX_OUTPUT_TOKENS),
  strategy: z.enum(STRATEGIES),
  /** Requests / tokens per minute across every organization; null: none. */
  rpm_limit: minuteLimit,
  tpm_limit: minuteLimit,
}

export const createBody = z
  .object({
    name: modelName,
    ...fields,
    aliases: aliases.default([]),
    strategy: z.enum(STRATEGIES).default('priority'),
    rpm_limit: minuteLimit.default(null),
    tpm_limit: minuteLimit.default(null),
    backends: z
      .array(z.object({ ...backendFields, api_key: apiKeyText.optional() }).strict())
      .min(1)
      .max(20),
  })
  .strict()
  .refine((m) => !m.aliases.includes(m.name), { message: 'an alias equals the name', path: ['aliases'] })

export const patchBody = z
  .object({
    ...fields,
    backends: z
      .array(
        // api_key: a new key; null removes it; absent keeps the key of the backend with that url.
        z.object({ ...backendFields, api_key: apiKeyText.nullable().optional() }).strict(),
      )
      .min(1)
      .max(20),
  })
  .partial()
  .strict()

export const nameParams = z.object({ name: modelName })

export const listQuery = z.object(pageQuery).strict()

export const model = z.object({
  object: z.literal('model'),
  name: z.string(),
  aliases: z.array(z.string()),
  input_price_per_million_usd: z.string(),
  output_price_per_million_usd: z.string(),
  max_output_tokens: z.number(),
  strategy: z.enum(STRATEGIES),
  rpm_limit: z.number().nullable(),
  tpm_limit: z.number().nullable(),
  backends: z.array(
    z.object({
      url: z.string(),
      provider: z.enum(PROVIDERS),
      weight: z.number(),
      priority: z.number(),
      timeout_ms: z.number(),
      headers: z.record(z.string(), z.string()),
      probe: z.object({ path: z.enum(PROBE_PATHS), interval_ms: z.number() }).optional(),
      api_key_set: z.boolean(),
      /** The last four characters of a key of 16 or more; null otherwise. */
      api_key_last4: z.string().nullable(),
    }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
})

export const modelList = listOf(model)

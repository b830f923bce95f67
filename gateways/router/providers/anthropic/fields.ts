import { refuse } from './refuse.ts'

// What becomes of each OpenAI chat completion field on the Messages API (docs/routing.md,
// "Providers: anthropic", lists the same). The Messages API refuses fields it does not know, so
// an unknown field cannot pass through as it does to OpenAI-compatible backends: it is refused
// with 400 naming it, as is any value whose effect the provider cannot give. Dropped fields are
// the ones whose absence changes nothing the caller can rely on.

/** Read by the translator (request.ts); their values are checked there. */
export const TRANSLATED_FIELDS = [
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'temperature',
  'top_p',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'response_format',
] as const

/** Dropped: `seed` (OpenAI's determinism is best effort, never promised); `store` and `metadata`
 * (OpenAI's stored completions, which this provider does not have). */
export const DROPPED_FIELDS = ['seed', 'store', 'metadata'] as const

const isAbsent = (value: unknown) => value === undefined || value === null

/** Accepted only at the value that means "OpenAI's default": anything else is refused. */
const DEFAULT_ONLY: Record<string, (value: unknown) => boolean> = {
  n: (v) => isAbsent(v) || v === 1,
  logprobs: (v) => isAbsent(v) || v === false,
  top_logprobs: (v) => isAbsent(v) || v === 0,
  presence_penalty: (v) => isAbsent(v) || v === 0,
  frequency_penalty: (v) => isAbsent(v) || v === 0,
  logit_bias: (v) => isAbsent(v) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0),
}

const known: ReadonlySet<string> = new Set([...TRANSLATED_FIELDS, ...DROPPED_FIELDS])

/** Refuses a field the provider has no equivalent for (400, `param` names it). */
export function checkFields(body: Readonly<Record<string, unknown>>): void {
  for (const [field, value] of Object.entries(body)) {
    if (known.has(field)) continue
    const accepts = DEFAULT_ONLY[field]
    if (!accepts) refuse(field, 'not supported by this model (its provider is anthropic)')
    if (!accepts(value))
      refuse(field, 'this value is not supported by this model (its provider is anthropic)')
  }
}

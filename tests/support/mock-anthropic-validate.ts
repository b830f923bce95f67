// The request checks of Anthropic's Messages API (POST /v1/messages, version 2023-06-01), as its
// published reference and error docs state them, for the protocol-faithful mock. Where today's
// API is more lenient than its documented rules (it now merges consecutive same-role turns), the
// mock keeps the strict rule: a request the mock accepts, the real API accepts too.

export interface MockRefusal {
  status: number
  type: string
  message: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const bad = (message: string): MockRefusal => ({ status: 400, type: 'invalid_request_error', message })

const TOP_LEVEL = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'service_tier',
])
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/

function checkHeaders(headers: Record<string, string | string[] | undefined>, apiKey: string) {
  const key = headers['x-api-key']
  if (key === undefined)
    return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' }
  if (key !== apiKey) return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' }
  if (headers['anthropic-version'] === undefined) return bad('anthropic-version: header is required')
  if (headers['anthropic-version'] !== '2023-06-01') return bad('anthropic-version: unknown version')
  if (!String(headers['content-type'] ?? '').startsWith('application/json')) {
    return bad('content-type must be application/json')
  }
  return null
}

function checkBlock(block: unknown, where: string, role: string): MockRefusal | null {
  if (!isObject(block)) return bad(`${where}: Input should be an object`)
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string' || block.text === '')
        return bad(`${where}: text content blocks must be non-empty`)
      return null
    case 'image': {
      if (role !== 'user') return bad(`${where}: image blocks are only allowed in user messages`)
      const source = isObject(block.source) ? block.source : {}
      if (source.type === 'url' && typeof source.url === 'string') return null
      if (
        source.type === 'base64' &&
        typeof source.data === 'string' &&
        IMAGE_TYPES.has(String(source.media_type))
      ) {
        return null
      }
      return bad(`${where}.source: invalid image source`)
    }
    case 'tool_use':
      if (role !== 'assistant') return bad(`${where}: tool_use blocks are only allowed in assistant messages`)
      if (typeof block.id !== 'string' || typeof block.name !== 'string')
        return bad(`${where}: id and name required`)
      return isObject(block.input) ? null : bad(`${where}.input: Input should be a valid dictionary`)
    case 'tool_result':
      if (role !== 'user') return bad(`${where}: tool_result blocks are only allowed in user messages`)
      return typeof block.tool_use_id === 'string' ? null : bad(`${where}.tool_use_id: Field required`)
    default:
      return bad(`${where}.type: unknown content block type ${String(block.type)}`)
  }
}

const blocksOf = (content: unknown): unknown[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : []
const idsOf = (blocks: unknown[], type: string, field: string) =>
  blocks.filter((b) => isObject(b) && b.type === type).map((b) => (isObject(b) ? String(b[field]) : ''))

/** Turn order and the pairing of each tool_use with a tool_result in the next user turn. */
function checkTurns(messages: unknown[]): MockRefusal | null {
  let previous: unknown[] = []
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return bad(`messages.${i}: Input should be an object`)
    const role = message.role
    if (role !== 'user' && role !== 'assistant')
      return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`)
    const before = messages[i - 1]
    const prior = isObject(before) ? before.role : undefined
    if (prior === role) {
      return bad(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`,
      )
    }
    const blocks = blocksOf(message.content)
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return bad(`messages.${i}.content: Input should be a valid list`)
    }
    if (blocks.length === 0) return bad(`messages.${i}: all messages must have non-empty content`)
    for (const [j, block] of blocks.entries()) {
      const refusal = checkBlock(block, `messages.${i}.content.${j}`, role)
      if (refusal) return refusal
    }
    const results = idsOf(blocks, 'tool_result', 'tool_use_id')
    const uses = idsOf(previous, 'tool_use', 'id')
    const firstOther = blocks.findIndex((b) => isObject(b) && b.type !== 'tool_result')
    if (results.length > 0 && firstOther !== -1 && firstOther < results.length) {
      return bad(`messages.${i}: tool_result blocks must come first in the content of a user message`)
    }
    const stray = results.find((id) => !uses.includes(id))
    if (stray) {
      return bad(
        `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray}. ` +
          'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      )
    }
    const unanswered = uses.filter((id) => !results.includes(id))
    if (role === 'user' && unanswered.length > 0) {
      return bad(
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}`,
      )
    }
    previous = blocks
  }
  return null
}

function checkTools(body: Json): MockRefusal | null {
  const tools = body.tools === undefined ? [] : body.tools
  if (!Array.isArray(tools)) return bad('tools: Input should be a valid list')
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool) || typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      return bad(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`)
    }
    if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') {
      return bad(`tools.${i}.input_schema.type: Input should be 'object'`)
    }
  }
  const choice = body.tool_choice
  if (choice === undefined) return null
  if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) {
    return bad("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
  }
  const names = tools.map((t) => (isObject(t) ? t.name : null))
  if (choice.type === 'tool' && !names.includes(choice.name))
    return bad(`tool_choice.name: no tool named ${String(choice.name)}`)
  return null
}

function checkParameters(body: Json): MockRefusal | null {
  const unknown = Object.keys(body).find((k) => !TOP_LEVEL.has(k))
  if (unknown) return bad(`${unknown}: Extra inputs are not permitted`)
  if (typeof body.model !== 'string' || body.model === '') return bad('model: Field required')
  if (!Number.isInteger(body.max_tokens) || Number(body.max_tokens) < 1)
    return bad('max_tokens: Field required')
  if (!Array.isArray(body.messages) || body.messages.length === 0) return bad('messages: Field required')
  for (const name of ['temperature', 'top_p'] as const) {
    const value = body[name]
    if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 1)) {
      return bad(`${name}: range: 0..1`)
    }
  }
  const stops = body.stop_sequences
  if (stops !== undefined && (!Array.isArray(stops) || !stops.every((s) => typeof s === 'string'))) {
    return bad('stop_sequences: Input should be a valid list of strings')
  }
  const system = body.system
  if (system !== undefined && typeof system !== 'string') {
    const blocks = Array.isArray(system) ? system : [null]
    if (
      !blocks.every((b) => isObject(b) && b.type === 'text' && typeof b.text === 'string' && b.text !== '')
    ) {
      return bad('system: Input should be a string or a list of non-empty text blocks')
    }
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    return bad('stream: Input should be a valid boolean')
  return null
}

/** The refusal the real API would answer, or null when the request is valid. */
export function validateMessagesRequest(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  apiKey: string,
): MockRefusal | null {
  const header = checkHeaders(headers, apiKey)
  if (header) return header
  if (!isObject(body)) return bad('body: Input should be a JSON object')
  const messages = Array.isArray(body.messages) ? body.messages : []
  return checkParameters(body) ?? checkTools(body) ?? checkTurns(messages)
}

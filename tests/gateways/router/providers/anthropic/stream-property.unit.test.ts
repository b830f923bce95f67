import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStreamTranslator } from '../../../../../gateways/router/providers/anthropic/stream.ts'

// Whatever the text, the tool inputs and the way Anthropic cuts them into deltas, the OpenAI
// chunks carry the same text and the same tool calls, in order: role first, one finish reason,
// usage, done.

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: object }

/** A string cut into pieces at the given points (each piece non-empty). */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b)
  const pieces: string[] = []
  let from = 0
  for (const point of [...at, text.length]) {
    if (point > from) pieces.push(text.slice(from, point))
    from = Math.max(from, point)
  }
  return pieces
}

function events(blocks: Block[], points: number[]): object[] {
  const out: object[] = [
    {
      type: 'message_start',
      message: { id: 'msg_p', model: 'c', usage: { input_tokens: 3, output_tokens: 1 } },
    },
  ]
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      out.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const text of cut(block.text, points))
        out.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })
    } else {
      out.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } })
      for (const partial_json of cut(JSON.stringify(block.input), points)) {
        out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })
      }
    }
    out.push({ type: 'content_block_stop', index }, { type: 'ping' })
  })
  out.push(
    { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } },
    { type: 'message_stop' },
  )
  return out
}

const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', minLength: 1 }) }),
  fc.record({
    type: fc.constant('tool_use' as const),
    id: fc.uuid(),
    name: fc.stringMatching(/^[a-z_]{1,20}$/),
    input: fc.dictionary(fc.string(), fc.jsonValue()),
  }),
)

describe('stream translation, whatever the cuts', () => {
  it('keeps text, tool calls and their order', () => {
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (blocks, points) => {
          const translator = createStreamTranslator({ created: 0, secrets: [] })
          const out = events(blocks, points).flatMap((event) => translator.push(JSON.stringify(event)))
          expect(out.at(-1)).toEqual({ kind: 'done' })
          const chunks = out.flatMap((e) => (e.kind === 'chunk' ? [JSON.parse(JSON.stringify(e.chunk))] : []))
          const choices = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0])
          expect(choices[0].delta.role).toBe('assistant')
          expect(choices.filter((c) => c.finish_reason !== null)).toHaveLength(1)
          expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 7 })
          const text = choices.map((c) => c.delta.content ?? '').join('')
          expect(text).toBe(blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''))
          const calls = new Map<number, { id: string; name: string; args: string }>()
          for (const call of choices.flatMap((c) => c.delta.tool_calls ?? [])) {
            const known = calls.get(call.index)
            if (known) known.args += call.function.arguments
            else
              calls.set(call.index, { id: call.id, name: call.function.name, args: call.function.arguments })
          }
          const tools = blocks.flatMap((b) => (b.type === 'tool_use' ? [b] : []))
          expect([...calls.keys()]).toEqual(tools.map((_, i) => i))
          for (const [i, tool] of tools.entries()) {
            const call = calls.get(i)
            expect(call?.id).toBe(tool.id)
            expect(call?.name).toBe(tool.name)
            expect(JSON.parse(call?.args ?? '')).toEqual(JSON.parse(JSON.stringify(tool.input)))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

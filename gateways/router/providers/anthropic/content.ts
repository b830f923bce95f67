import { z } from 'zod'
import { refuse } from './refuse.ts'
import type { ImageBlock, TextBlock } from './wire.ts'

// OpenAI content parts → Anthropic content blocks. Text and images only: audio and file parts
// have no Messages API equivalent here and are refused, never dropped (the model would answer
// without them).

const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose()
const imagePart = z
  .object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }).loose() })
  .loose()
const part = z.object({ type: z.string() }).loose()

/** The image types the Messages API accepts in a base64 source. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s

function imageBlock(url: string, where: string): ImageBlock {
  const data = DATA_URL.exec(url)
  if (data) {
    const [, mediaType = '', base64 = ''] = data
    if (!IMAGE_TYPES.has(mediaType))
      refuse(where, `image type ${mediaType} is not supported by this provider`)
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: base64 } }
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } }
  return refuse(where, 'an image must be a data: URL (base64) or an http(s) URL')
}

/** One text part as a block; an empty text is left out (the Messages API refuses empty text blocks). */
function textOf(raw: unknown, at: string): TextBlock[] {
  const text = textPart.safeParse(raw)
  if (!text.success) return refuse(at, 'only text parts are accepted here')
  return text.data.text === '' ? [] : [{ type: 'text', text: text.data.text }]
}

/** The text blocks of a message's content (a string or text parts). */
export function textBlocks(content: unknown, where: string): TextBlock[] {
  if (content === null || content === undefined) return []
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) return refuse(where, 'must be a string or an array of content parts')
  return content.flatMap((raw, i) => textOf(raw, `${where}[${i}]`))
}

/** A user message's blocks: text and images. */
export function userBlocks(content: unknown, where: string): (TextBlock | ImageBlock)[] {
  if (!Array.isArray(content)) return textBlocks(content, where)
  return content.flatMap((raw, i): (TextBlock | ImageBlock)[] => {
    const at = `${where}[${i}]`
    const image = imagePart.safeParse(raw)
    if (image.success) return [imageBlock(image.data.image_url.url, `${at}.image_url.url`)]
    const type = part.safeParse(raw)
    if (type.success && type.data.type !== 'text') {
      return refuse(`${at}.type`, `content part type ${type.data.type} is not supported by this provider`)
    }
    return textOf(raw, at)
  })
}

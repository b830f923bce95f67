import type { FastifyInstance } from 'fastify'
import { AppError } from '../../domain/errors.ts'

// A body nested thousands of levels deep parses, but every recursive walk after it (validation,
// JSON.stringify to the backend, the backend's own parser) can overflow its stack: it once came
// back as a 502 `backend_unavailable`, i.e. a client could raise backend-down alerts at will.
// Depth is bounded while parsing, for every route. docs/errors.md states the bound.
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const BRACE_OPEN = 0x7b
const BRACKET_OPEN = 0x5b
const BRACE_CLOSE = 0x7d
const BRACKET_CLOSE = 0x5d

/**
 * Where the string opened by the quote at `open` ends (its closing quote), found with indexOf:
 * bodies are mostly prompt text, which a native search skips far faster than a loop over it. A
 * quote preceded by an odd number of backslashes is escaped.
 */
function endOfString(text: string, open: number): number {
  let at = open
  for (;;) {
    at = text.indexOf('"', at + 1)
    if (at === -1) return text.length
    let backslashes = 0
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return at
  }
}

/** The deepest nesting of objects and arrays in `text`, stopping early past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0
  let deepest = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) i = endOfString(text, i)
    else if (c === BRACE_OPEN || c === BRACKET_OPEN) {
      if (++depth > deepest) deepest = depth
      if (deepest > limit) return deepest
    } else if (c === BRACE_CLOSE || c === BRACKET_CLOSE) depth--
  }
  return deepest
}

/**
 * Replaces fastify's application/json parser with one that refuses deep nesting (400
 * JSON_TOO_DEEP) and then parses as fastify does (prototype poisoning refused). The text/plain
 * parser is removed: every route takes JSON, so any other type is a 415.
 */
export function useBoundedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(new AppError('JSON_TOO_DEEP', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      return
    }
    parse(request, text, done)
  })
}

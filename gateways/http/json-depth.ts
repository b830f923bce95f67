import type { FastifyInstance } from 'fastify'
import { AppError } from '../../domain/errors.ts'

// A body nested thousands of levels deep parses, but every recursive walk after it (validation,
// JSON.stringify to the backend, the backend's own parser) can overflow its stack: it once came
// back as a 502 `backend_unavailable`, i.e. a client could raise backend-down alerts at will.
// Depth is bounded while parsing, for every route. docs/errors.md states the bound.
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPENERS = new Set([0x7b, 0x5b]) // { [
const CLOSERS = new Set([0x7d, 0x5d]) // } ]

/** The deepest nesting of objects and arrays in `text`, stopping early past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      // A backslash escapes the next character, so an escaped quote does not end the string.
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
      continue
    }
    if (c === QUOTE) inString = true
    else if (OPENERS.has(c)) deepest = Math.max(deepest, ++depth)
    else if (CLOSERS.has(c)) depth--
    if (deepest > limit) return deepest
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

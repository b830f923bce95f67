import { z } from 'zod'

// Text fields are checked at the edge: PostgreSQL `text` refuses NUL, and a lone surrogate cannot
// be encoded as UTF-8, so either would otherwise fail deep inside a command as a 500. Names are
// one visible line: control characters (C0, DEL, C1) are refused too.
const CONTROL = /\p{Cc}/u

const wellFormed = (s: string) => s.isWellFormed()

/** A name shown in lists: 1..max characters, well-formed Unicode, no control characters. */
export function nameText(max: number, options: { trim?: boolean } = {}) {
  const base = options.trim ? z.string().trim() : z.string()
  return base
    .min(1)
    .max(max)
    .refine(wellFormed, 'must be well-formed Unicode (no lone surrogates)')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
}

/** Free text (chat content): up to max characters, well-formed Unicode, no NUL; newlines allowed. */
export function freeText(max: number) {
  return z
    .string()
    .max(max)
    .refine(wellFormed, 'must be well-formed Unicode (no lone surrogates)')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL (\\u0000)')
}

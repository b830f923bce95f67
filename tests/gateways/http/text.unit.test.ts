import { describe, expect, it } from 'vitest'
import { clip } from '../../../gateways/http/clip.ts'
import { freeText, nameText } from '../../../gateways/http/text.ts'

describe('text fields', () => {
  const name = nameText(10, { trim: true })
  it('a name is trimmed, 1..max characters of well-formed Unicode', () => {
    expect(name.parse('  Acme ')).toBe('Acme')
    expect(name.parse('Ünïcødé 😀')).toBe('Ünïcødé 😀')
    expect(name.safeParse('   ').success).toBe(false)
    expect(name.safeParse('x'.repeat(11)).success).toBe(false)
  })

  it('a name refuses NUL, lone surrogates and every other control character', () => {
    for (const bad of ['a\u0000', '\ud800', 'a\udc00b', 'a\u0007b', 'a\nb', 'a\u007fb', 'a\u009bb']) {
      expect(name.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })

  it('free text keeps newlines and tabs, refuses NUL and lone surrogates', () => {
    const text = freeText(100)
    expect(text.parse('line 1\n\tline 2\r\n')).toBe('line 1\n\tline 2\r\n')
    expect(text.safeParse('a\u0000b').success).toBe(false)
    expect(text.safeParse('\ud83d').success).toBe(false)
    expect(text.safeParse('x'.repeat(101)).success).toBe(false)
  })
})

describe('clip', () => {
  it('keeps short input and cuts long input to 200 characters and "…"', () => {
    expect(clip('short')).toBe('short')
    expect(clip('x'.repeat(200))).toBe('x'.repeat(200))
    expect(clip('x'.repeat(3_000_000))).toBe(`${'x'.repeat(200)}…`)
  })

  it('never cuts a surrogate pair in half', () => {
    const clipped = clip('😀'.repeat(300), 5)
    expect(clipped).toBe(`${'😀'.repeat(5)}…`)
    expect(clipped.isWellFormed()).toBe(true)
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The console's colours (gateways/console/src/styles.css, :root) against WCAG 2.x: text at least
// 4.5:1 on what it is drawn on, the focus ring at least 3:1 (non-text contrast).

const css = readFileSync(new URL('../../../gateways/console/src/styles.css', import.meta.url), 'utf8')
const colour = (name: string): string => {
  const found = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(css)?.[1]
  if (!found) throw new Error(`no --${name} in styles.css`)
  return found
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

describe('console colours', () => {
  it('computes contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
  })

  it('keeps every text colour at AA (4.5:1) on the page and the header band', () => {
    for (const text of ['ink', 'muted', 'accent', 'danger', 'ok', 'focus'])
      for (const ground of ['paper', 'band'])
        expect([text, ground, contrast(colour(text), colour(ground)) >= 4.5]).toEqual([text, ground, true])
    // White text on the filled buttons and the current page's link.
    for (const fill of ['accent', 'danger'])
      expect(contrast('#ffffff', colour(fill))).toBeGreaterThanOrEqual(4.5)
  })

  it('draws the focus ring at 3:1 against the page', () => {
    expect(contrast(colour('focus'), colour('paper'))).toBeGreaterThanOrEqual(3)
    expect(css).toMatch(/:focus-visible\s*{[^}]*outline:\s*3px solid var\(--focus\)/)
  })
})

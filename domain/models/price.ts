// Prices are USD per million tokens, kept as canonical decimal strings in events so no binary
// float ever rounds a price (0.1 stays "0.1"). Every model has one (ARCHITECTURE.md: LiteLLM 41780).
/** The router's bound (gateways/router/models.ts): a worst case stays exact in a double. */
export const MAX_PRICE_PER_MILLION_USD = 100_000
const DECIMAL = /^(\d{1,6})(?:\.(\d{1,9}))?$/

/** The canonical form ("2.50" → "2.5", 3 → "3"), or null when not a price in 0…100000 with ≤ 9 decimals. */
export function canonicalPrice(input: string | number): string | null {
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input.trim()
  const match = DECIMAL.exec(text)
  if (!match) return null
  const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '')
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (Number(whole) > MAX_PRICE_PER_MILLION_USD) return null
  if (Number(whole) === MAX_PRICE_PER_MILLION_USD && fraction !== '') return null
  return fraction === '' ? whole : `${whole}.${fraction}`
}

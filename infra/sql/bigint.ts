import { AppError } from '../../domain/errors.ts'

// PostgreSQL sends BIGINT as text; both adapters parse it to a number, refusing values a JS number
// cannot hold exactly (global positions are designed to stay below 2^53, see docs/event-store.md).
export const INT8_OID = 20
export const INT8_ARRAY_OID = 1016

export function parseBigint(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    throw new AppError('BIGINT_OUT_OF_RANGE', `BIGINT ${text} does not fit a JS number`, { value: text })
  }
  return value
}

/** BIGINT[] as text, e.g. `{1,2,3}`; one dimension is all the event store returns. */
export function parseBigintArray(text: string): number[] {
  const inner = text.slice(1, -1)
  if (inner === '') return []
  return inner.split(',').map(parseBigint)
}

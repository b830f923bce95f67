import { AppError } from '../../domain/errors.ts'

// PostgreSQL sends BIGINT as text; both adapters parse it to a number, refusing values a JS number
// cannot hold exactly. Counters and versions stay far below 2^53; global positions do not (they
// reach 2^63, docs/event-store.md), so the event store selects them as text and reads them with
// parsePosition into a JS bigint instead.
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

const decimal = /^-?\d{1,19}$/

/** A BIGINT selected as text (`global_position::text`), exactly, as a JS bigint. */
export function parsePosition(text: string): bigint {
  if (!decimal.test(text)) {
    throw new AppError('BIGINT_OUT_OF_RANGE', `${JSON.stringify(text.slice(0, 40))} is not a BIGINT`, {
      value: text.slice(0, 40),
    })
  }
  return BigInt(text)
}

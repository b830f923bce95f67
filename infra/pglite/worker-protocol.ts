import { AppError } from '../../domain/errors.ts'
import type { QueryResult } from '../ports/database.ts'

// The messages between the embedded database's worker thread (database-worker.ts) and the adapter
// the rest of the process uses (threaded-database.ts). Values cross by structured clone, which
// keeps what the adapters hand out: Date, bigint, Uint8Array, nested objects and arrays.

/** What the adapter asks; `tx` names an open transaction (its statements and its end). */
export type Ask =
  | { id: number; op: 'query'; text: string; params?: readonly unknown[] }
  | { id: number; op: 'begin' }
  | { id: number; op: 'tx-query'; tx: number; text: string; params?: readonly unknown[] }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' }

/** The worker's answer to the ask of the same id. */
export type Answer =
  | { id: number; ok: true; result?: QueryResult; tx?: number }
  | { id: number; ok: false; error: WireError }

/** An error as it crosses: its message, its class and its own fields (a PostgreSQL code, a constraint…). */
export interface WireError {
  name: string
  message: string
  fields: Record<string, unknown>
}

const cloneable = (value: unknown) =>
  value === null || ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof value)

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} }
  const fields: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(error)) {
    if (cloneable(value) || name === 'details') fields[name] = value
  }
  return { name: error.name, message: error.message, fields }
}

/** The error again on this side: an AppError stays one (its code is what callers branch on). */
export function fromWire(wire: WireError): Error {
  const { code, details } = wire.fields
  if (wire.name === 'AppError' && typeof code === 'string') {
    return new AppError(code, wire.message, details as Record<string, unknown> | undefined)
  }
  return Object.assign(new Error(wire.message), wire.fields, { name: wire.name })
}

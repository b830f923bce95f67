import { join, resolve } from 'node:path'

/** The compiled policy, kept beside its source (docs/adr/0014): compile-policy.ts writes it, authorizer.ts loads it. */
export const KEPT_WASM = join(
  resolve(import.meta.dirname, '..', '..'),
  'domain',
  'authorization',
  'policy.wasm',
)

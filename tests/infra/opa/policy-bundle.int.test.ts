import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../../infra/opa/compile-policy.ts'
import { KEPT_WASM } from '../../../infra/opa/kept-policy.ts'

// `make run` loads the policy.wasm kept in the repository and never compiles; this compiles the
// policy with the OPA CLI infra/services installs and fails when the kept module is not what the
// policy compiles to (a policy changed without `make policy`). The compiler's output is
// byte-for-byte deterministic for one source and one OPA version (the second case shows it).

describe('the kept policy.wasm', () => {
  it('is what domain/authorization/policy.rego compiles to (run `make policy` after changing it)', async () => {
    const compiled = await compilePolicy()
    const kept = await readFile(KEPT_WASM)
    expect(compiled.equals(kept)).toBe(true)
  })

  it('is compared with a deterministic compilation', async () => {
    const [first, second] = await Promise.all([compilePolicy(), compilePolicy()])
    expect(first.length).toBeGreaterThan(1000)
    expect(first.equals(second)).toBe(true)
  })
})

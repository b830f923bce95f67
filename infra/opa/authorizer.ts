import { readFile } from 'node:fs/promises'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { z } from 'zod'
import type { Decision } from '../../domain/authorization/actions.ts'
import type { AuthorizationInput, Authorizer } from '../ports/authorizer.ts'
import { KEPT_WASM } from './kept-policy.ts'

// The Authorizer on OPA's wasm SDK: the policy compiled by `make policy` and kept in the
// repository (docs/adr/0014) is instantiated once; each decision is a synchronous call into it.

const decision = z.object({ allow: z.boolean(), deny_as: z.enum(['not_found', 'forbidden']) })
// The SDK answers one result set per evaluation; the entrypoint (aiaas/authz/decision) is the only
// one compiled in, so it is the default.
const results = z.array(z.object({ result: decision })).length(1)

export async function loadAuthorizer(wasmPath: string = KEPT_WASM): Promise<Authorizer> {
  const policy = await loadPolicy(await readFile(wasmPath))
  return {
    decide(input: AuthorizationInput): Decision {
      // A malformed answer is a broken policy build: thrown (a 500), never read as an allow.
      return results.parse(policy.evaluate(input))[0]!.result
    },
  }
}

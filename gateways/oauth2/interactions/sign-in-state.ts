import { z } from 'zod'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import { INTERACTION_TTL_SECONDS } from '../issuer.ts'

// Where a sign-in stands between its pages: after the password, which user it is and what is
// left (the second factor, an enrolment, the recovery codes to acknowledge). Kept in the issuer's
// store (model `SignIn`) under the interaction's uid, which only the browser holding the signed
// interaction cookie can use, and gone when the interaction ends or expires.

export const signInState = z.object({
  user_id: z.string(),
  stage: z.enum(['second_factor', 'enrol', 'enrolled']),
})
export type SignInState = z.infer<typeof signInState>

export function signIns(store: OidcStore) {
  const adapter = store('SignIn')
  return {
    async get(uid: string): Promise<SignInState | null> {
      const parsed = signInState.safeParse(await adapter.find(uid))
      return parsed.success ? parsed.data : null
    },
    put: (uid: string, state: SignInState) => adapter.upsert(uid, { ...state }, INTERACTION_TTL_SECONDS),
    drop: (uid: string) => adapter.destroy(uid),
  }
}
export type SignIns = ReturnType<typeof signIns>

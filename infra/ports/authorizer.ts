import type { Action, Decision, Resource } from '../../domain/authorization/actions.ts'
import type { Subject } from '../../domain/authorization/subject.ts'

export interface AuthorizationInput {
  subject: Subject
  action: Action
  resource: Resource
}

/**
 * Decides one request against the authorization policy (domain/authorization/policy.rego).
 * Synchronous once loaded: a decision is a call into an in-process wasm module, no I/O.
 */
export interface Authorizer {
  decide(input: AuthorizationInput): Decision
}

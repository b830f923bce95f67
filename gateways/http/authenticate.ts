import type { FastifyRequest } from 'fastify'
import { BOOTSTRAP_SUBJECT, type Subject } from '../../domain/authorization/subject.ts'
import { AppError } from '../../domain/errors.ts'
import type { AccessTokenVerifier } from './access-tokens.ts'
import { bearerToken, sameSecret } from './bearer.ts'

// Authentication of the admin and analytics APIs: who is calling, as a Subject on the request.
// The bootstrap admin token is BOOTSTRAP_SUBJECT; an access token of the issuer is the service
// account or the person it was issued to (access-tokens.ts); anything else is a 401. What the subject may do
// is the policy's to decide (gateways/http/authorize.ts), never this hook's.

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set by authentication (an onRequest hook); authorization decides on it. */
    subject?: Subject
  }
}

export interface AuthenticationOptions {
  adminToken: string
  /** Verifies the issuer's access tokens; absent: only the admin token is accepted. */
  verifyAccessToken?: AccessTokenVerifier | undefined
}

const unauthenticated = () => new AppError('UNAUTHENTICATED', 'a valid bearer token is required')

/** An onRequest hook: sets request.subject, or answers 401. */
export function authenticate(options: AuthenticationOptions) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request)
    if (token === null) throw unauthenticated()
    if (sameSecret(token, options.adminToken)) {
      request.subject = BOOTSTRAP_SUBJECT
      return
    }
    const subject = options.verifyAccessToken ? await options.verifyAccessToken(token) : null
    if (subject === null) throw unauthenticated()
    request.subject = subject
  }
}

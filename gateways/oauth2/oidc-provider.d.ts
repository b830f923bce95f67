// The part of oidc-provider (v9, untyped JavaScript) this project uses. @types/oidc-provider is not
// a dependency yet; until it is, this keeps every call typed instead of `any`.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export type AdapterPayload = Record<string, unknown>
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  export interface ResourceServer {
    scope: string
    audience?: string
    accessTokenTTL?: number
    accessTokenFormat?: 'opaque' | 'jwt'
    jwt?: { sign?: { alg: string } }
  }

  export interface KoaContextWithOIDC {
    oidc: { client?: { clientId: string } }
  }

  export interface IssuedToken {
    clientId?: string
    kind?: string
  }

  export interface Configuration {
    adapter?: (model: string) => Adapter
    jwks?: { keys: readonly object[] }
    cookies?: { keys: readonly string[] }
    clientAuthMethods?: readonly string[]
    clientDefaults?: Record<string, unknown>
    enabledJWA?: Record<string, readonly string[]>
    scopes?: readonly string[]
    ttl?: Record<string, number>
    findAccount?: (ctx: KoaContextWithOIDC, id: string) => Promise<undefined>
    extraTokenClaims?: (
      ctx: KoaContextWithOIDC,
      token: IssuedToken,
    ) => Promise<Record<string, unknown> | undefined>
    features?: {
      clientCredentials?: { enabled: boolean }
      introspection?: { enabled: boolean }
      revocation?: { enabled: boolean }
      devInteractions?: { enabled: boolean }
      resourceIndicators?: {
        enabled: boolean
        defaultResource?: (
          ctx: KoaContextWithOIDC,
          client: unknown,
          oneOf?: string[],
        ) => Promise<string | string[] | undefined>
        useGrantedResource?: (ctx: KoaContextWithOIDC, model: unknown) => Promise<boolean>
        getResourceServerInfo?: (
          ctx: KoaContextWithOIDC,
          resourceIndicator: string,
          client: unknown,
        ) => Promise<ResourceServer>
      }
    }
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>
    on(event: string, listener: (...args: unknown[]) => void): this
    readonly Client: {
      prototype: { clientSecret?: string; compareClientSecret(actual: string): Promise<boolean> | boolean }
    }
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
  }
}

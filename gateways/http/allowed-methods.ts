import type { FastifyInstance } from 'fastify'

// fastify answers a known path with an unknown method as a 404; HTTP says 405 with an `Allow`
// header (RFC 9110 §15.5.6). Routes are recorded as they are added (onRoute on the root instance
// sees every scope), and the not-found handler asks which methods the path has.
export interface AllowedMethods {
  /** Methods routed for this concrete path (no query), sorted; empty when the path is unknown. */
  of(path: string): string[]
}

declare module 'fastify' {
  interface FastifyInstance {
    allowedMethods: AllowedMethods
  }
}

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** A route URL (`/a/:id/b`, `/files/*`) as a regex over concrete paths. */
export function routePattern(url: string): RegExp {
  const body = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*'
      if (segment.startsWith(':')) return '[^/]+'
      return escapeRegExp(segment)
    })
    .join('/')
  return new RegExp(`^${body}$`)
}

/** Decorates `app` with `allowedMethods`, fed by every route added after this call. */
export function trackAllowedMethods(app: FastifyInstance): void {
  const routes: { pattern: RegExp; methods: Set<string> }[] = []
  const byUrl = new Map<string, Set<string>>()
  app.addHook('onRoute', (route) => {
    let methods = byUrl.get(route.url)
    if (!methods) {
      methods = new Set()
      byUrl.set(route.url, methods)
      routes.push({ pattern: routePattern(route.url), methods })
    }
    for (const method of [route.method].flat()) methods.add(method)
  })
  app.decorate('allowedMethods', {
    of(path: string) {
      const allowed = new Set<string>()
      for (const route of routes) {
        if (route.pattern.test(path)) for (const method of route.methods) allowed.add(method)
      }
      return [...allowed].sort()
    },
  })
}

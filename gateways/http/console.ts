import { fileURLToPath } from 'node:url'
import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import { CONSOLE_CLIENT_ID, CONSOLE_SCOPE } from '../../infra/oidc/clients.ts'
import { type ConsoleFile, isHashed, readConsoleBuild } from './console-files.ts'
import type { ZodApp } from './server.ts'

// The web console at /console (docs/console.md): the static build with its cache rules and a CSP
// that lets it run only its own scripts and styles and talk only to the APIs, the SPA's callback
// route, and /console/config.json telling it where the issuer and the APIs are.

export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../build/console', import.meta.url))

export interface ConsoleOptions {
  /** The issuer (`…/oauth2`) the console signs in with. */
  issuer: string
  /** Where the analytics API is; undefined: the console's own origin (`aiaas dev`). */
  analyticsUrl?: string | undefined
  /** The build's directory (AIAAS_CONSOLE_DIR); undefined: build/console. */
  dir?: string | undefined
  onMissing?: () => void
}

/** The CSP of every console answer: own scripts and styles only, calls to the APIs only. */
export function consoleCsp(connect: readonly string[]): string {
  const sources = ["'self'", ...new Set(connect)].join(' ')
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${sources}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const originOf = (url: string) => new URL(url).origin

export async function mountConsole(app: ZodApp, options: ConsoleOptions): Promise<void> {
  const dir = options.dir ?? CONSOLE_BUILD_DIR
  let files: Map<string, ConsoleFile> | null = null
  let told = false
  // Read at the first request, and again while missing: a build made after the start is served.
  const built = async () => {
    files ??= await readConsoleBuild(dir)
    if (files) return files
    if (!told) options.onMissing?.()
    told = true
    throw new AppError(
      'CONSOLE_NOT_BUILT',
      `the console is not built in ${dir}: run \`npm run build:console\``,
    )
  }
  const connect = [
    originOf(options.issuer),
    ...(options.analyticsUrl ? [originOf(options.analyticsUrl)] : []),
  ]
  const csp = consoleCsp(connect)
  const send = (reply: FastifyReply, file: ConsoleFile, path: string) =>
    reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', isHashed(path) ? 'public, max-age=31536000, immutable' : 'no-store')
      .type(file.type)
      .send(file.body)
  const page = async (_request: unknown, reply: FastifyReply) => {
    const index = (await built()).get('/index.html') as ConsoleFile
    return send(reply, index, '/index.html')
  }

  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/', 308))
  app.get('/console/', { schema: { hide: true } }, page)
  // The issuer's redirect lands here; the page finishes the sign-in.
  app.get('/console/callback', { schema: { hide: true } }, page)
  // The issuer's origin is the console's: its only registered callback is there (clients.ts), and
  // the admin API is served beside the issuer.
  const config = {
    issuer: options.issuer,
    client_id: CONSOLE_CLIENT_ID,
    scope: CONSOLE_SCOPE,
    admin_url: originOf(options.issuer),
    analytics_url: options.analyticsUrl?.replace(/\/$/, '') ?? originOf(options.issuer),
  }
  app.get('/console/config.json', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return config
  })
  const params = z.object({ '*': z.string() })
  app.get('/console/*', { schema: { hide: true, params } }, async (request, reply) => {
    const path = `/${request.params['*']}`
    const file = (await built()).get(path)
    if (!file) throw new AppError('NOT_FOUND', 'no such console file')
    return send(reply, file, path)
  })
}

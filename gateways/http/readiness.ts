import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { withDeadline } from '../../infra/deadline.ts'

// A readiness check names a dependency and throws when it is not usable.
export interface ReadinessCheck {
  name: string
  check: () => Promise<void>
}

export const readinessResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ status: z.enum(['up', 'down']), error: z.string().optional() })),
})

const CHECK_TIMEOUT_MS = 2000

async function runCheck(check: ReadinessCheck): Promise<{ status: 'up' | 'down'; error?: string }> {
  const noAnswer = () => new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)
  try {
    await withDeadline(check.check(), CHECK_TIMEOUT_MS, noAnswer)
    return { status: 'up' }
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) }
  }
}

/** 200 when every dependency answers, else 503 naming the failing ones; never hangs. */
export async function answerReadiness(reply: FastifyReply, checks: readonly ReadinessCheck[]) {
  const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const))
  const ready = results.every(([, r]) => r.status === 'up')
  reply.code(ready ? 200 : 503)
  return { status: ready ? ('ready' as const) : ('not_ready' as const), checks: Object.fromEntries(results) }
}

const healthResponse = z.object({ status: z.literal('ok') })

/** GET status/healthz (the process is up) and status/readyz (its dependencies answer) of one API. */
export function statusRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get('/status/healthz', { schema: { response: { 200: healthResponse } } }, async () => ({
    status: 'ok' as const,
  }))
  app.get(
    '/status/readyz',
    { schema: { response: { 200: readinessResponse, 503: readinessResponse } } },
    (_r, reply) => answerReadiness(reply, checks),
  )
}

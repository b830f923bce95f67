import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { withDeadline } from '../../infra/deadline.ts'

// A readiness check names a dependency and throws when it is not usable.
export interface ReadinessCheck {
  name: string
  check: () => Promise<void>
  /**
   * True when the process still serves without it, from a copy (a router's PostgreSQL while its
   * local replica holds a position): its failure makes readyz `degraded` with a 200, so a load
   * balancer keeps sending requests, and the check still reads `down`.
   */
  degradable?: () => boolean
}

export const readinessResponse = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']),
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

/**
 * 200 `ready` when every dependency answers, 200 `degraded` when only degradable ones fail, else
 * 503 `not_ready`; the failing ones are named. Never hangs.
 */
export async function answerReadiness(reply: FastifyReply, checks: readonly ReadinessCheck[]) {
  const results = await Promise.all(checks.map(async (c) => [c, await runCheck(c)] as const))
  const down = results.filter(([, r]) => r.status === 'down').map(([c]) => c)
  const status =
    down.length === 0 ? 'ready' : down.every((c) => c.degradable?.() === true) ? 'degraded' : 'not_ready'
  reply.code(status === 'not_ready' ? 503 : 200)
  return { status, checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])) }
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

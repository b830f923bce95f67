import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Sql } from '../../infra/ports/database.ts'
import { readIngestStatus } from '../../projections/usage/ingest-status.ts'

// GET /analytics/v1/status: the pipeline's state for operators and monitors. Served beside
// status/healthz and status/readyz, before authentication like them: it names no organization
// and nothing of one, only how far ingest is behind and which raw days are kept.

const nullableInstant = z.string().nullable()

export const ingestStatusResponse = z.object({
  object: z.literal('analytics_status'),
  ingest: z.object({
    complete_through: nullableInstant,
    lag_seconds: z.number().nullable(),
    queue_depth: z.number().nullable(),
    last_batch: z.object({ at: z.string(), events: z.number() }).nullable(),
    updated_at: nullableInstant,
  }),
  raw_partitions: z.object({
    count: z.number(),
    oldest_from: nullableInstant,
    newest_to: nullableInstant,
    retention_horizon: nullableInstant,
  }),
})

export function ingestStatusRoute(app: FastifyInstance, deps: { db: Sql; now: () => Date }): void {
  app.get('/status', { schema: { response: { 200: ingestStatusResponse } } }, async () => ({
    object: 'analytics_status' as const,
    ...(await readIngestStatus(deps.db, deps.now())),
  }))
}

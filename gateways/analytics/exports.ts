import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { v7 } from 'uuid'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { ObjectStore } from '../../infra/ports/object-store.ts'
import {
  type ExportJob,
  findExport,
  insertExport,
  listExports,
} from '../../projections/usage/exports/jobs.ts'
import { field, orgResource, type RouteRule } from '../http/authorize.ts'
import { checkRange, rangeFields } from './params.ts'

// CSV exports of usage (docs/analytics.md, "Exports"): POST queues a job that an export worker
// runs (projections/usage/exports/worker.ts); GET shows its status, progress and, once done, a
// presigned download URL of a short life. A job is read through its organization: an id of
// another organization's job answers exactly as a missing one (EXPORT_NOT_FOUND).

export interface ExportRouteDeps {
  db: Sql
  store: ObjectStore
  now: () => Date
  /** AIAAS_EXPORT_URL_TTL_SECONDS: the life of a download URL. */
  urlTtlSeconds: number
}

/** The most jobs GET /exports lists (newest first). */
export const MAX_LISTED_EXPORTS = 100

const GROUP_KEYS = ['model', 'api_key', 'backend'] as const

const exportRequest = z
  .object({
    organization_id: rangeFields.organization_id,
    from: rangeFields.from,
    to: rangeFields.to,
    granularity: rangeFields.granularity,
    group_by: z
      .array(z.enum(GROUP_KEYS))
      .max(3)
      .default([])
      .transform((keys) => [...new Set(keys)]),
  })
  .strict()
  .superRefine(checkRange)

const orgQuery = z.object({ organization_id: z.uuid() }).strict()

const exportSchema = z.object({
  object: z.literal('export'),
  id: z.uuid(),
  organization_id: z.uuid(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  params: z.object({
    from: z.string(),
    to: z.string(),
    granularity: z.enum(['minute', 'hour', 'day']),
    group_by: z.array(z.enum(GROUP_KEYS)),
  }),
  rows_written: z.number(),
  bytes_written: z.number(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  download_url: z.string().optional(),
  expires_at: z.string().optional(),
})

const notFound = (id: string | null) => new AppError('EXPORT_NOT_FOUND', 'no such export', { export_id: id })

/** The authorization rules of the export routes (an analytics read of the organization named). */
export const exportRouteRules: Record<string, RouteRule> = {
  'POST /exports': {
    action: 'analytics:read',
    resource: (request) => orgResource('usage', field(request, 'body', 'organization_id')),
    missing: (request) =>
      new AppError('ORG_NOT_FOUND', 'no such organization', {
        organization_id: field(request, 'body', 'organization_id'),
      }),
  },
  'GET /exports': orgRule(),
  'GET /exports/:id': orgRule(),
}

function orgRule(): RouteRule {
  return {
    action: 'analytics:read',
    resource: (request) => orgResource('usage', field(request, 'query', 'organization_id')),
    missing: (request) =>
      new AppError('ORG_NOT_FOUND', 'no such organization', {
        organization_id: field(request, 'query', 'organization_id'),
      }),
  }
}

function shown(job: ExportJob) {
  return {
    object: 'export' as const,
    id: job.id,
    organization_id: job.organization_id,
    status: job.status,
    params: job.params,
    rows_written: job.rows_written,
    bytes_written: job.bytes_written,
    error: job.error,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
  }
}

/** Registers POST /exports, GET /exports and GET /exports/:id on an authenticated scope. */
export function exportRoutes(app: FastifyInstance, deps: ExportRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.post(
    '/exports',
    { schema: { body: exportRequest, response: { 202: exportSchema } } },
    async (request, reply) => {
      const { organization_id, ...params } = request.body
      const job = await insertExport(deps.db, {
        id: v7(),
        organization_id,
        requested_by: request.subject?.actor ?? 'unknown',
        params,
        now: deps.now(),
      })
      return reply.code(202).send(shown(job))
    },
  )
  routes.get(
    '/exports',
    {
      schema: {
        querystring: orgQuery,
        response: { 200: z.object({ object: z.literal('list'), data: z.array(exportSchema) }) },
      },
    },
    async (request) => {
      const jobs = await listExports(deps.db, request.query.organization_id, MAX_LISTED_EXPORTS)
      return { object: 'list' as const, data: jobs.map(shown) }
    },
  )
  routes.get(
    '/exports/:id',
    {
      schema: {
        params: z.object({ id: z.string() }),
        querystring: orgQuery,
        response: { 200: exportSchema },
      },
    },
    async (request) => {
      const { id } = request.params
      // A malformed id cannot name a job: the same 404 as a missing one.
      if (!z.uuid().safeParse(id).success) throw notFound(id)
      const job = await findExport(deps.db, request.query.organization_id, id)
      if (job === null) throw notFound(id)
      if (job.status !== 'done' || job.object_key === null) return shown(job)
      const expiresAt = new Date(deps.now().getTime() + deps.urlTtlSeconds * 1000)
      const download_url = await deps.store.presignGet(job.object_key, deps.urlTtlSeconds)
      return { ...shown(job), download_url, expires_at: expiresAt.toISOString() }
    },
  )
}

import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { organizationStateAt } from '../../domain/audit/organization-state.ts'
import { AppError } from '../../domain/errors.ts'
import { verifyChain } from '../../infra/event-store/chain-verify.ts'
import { type ExportRow, exportPages } from '../../infra/event-store/export-read.ts'
import { organizationEventsAt } from '../../infra/event-store/organization-events.ts'
import { EXPORT_CONTENT_TYPES, encodeExport } from './audit-format.ts'
import {
  exportCsv,
  exportLine,
  exportQuery,
  organizationState,
  stateParams,
  stateQuery,
  verifyQuery,
  verifyReport,
} from './audit-schemas.ts'
import type { AdminDeps } from './context.ts'

// /admin/v1/audit (docs/audit.md): verify the chain, export the log, and an organization's state
// at an instant. All three read the event log itself, never a read model: what they answer is
// what the log holds. Who may call each is route-actions.ts's (audit:verify, audit:export).

/** The first page, then the rest as they are asked for. */
async function* startingWith(first: ExportRow[] | undefined, rest: AsyncIterator<ExportRow[]>) {
  if (first !== undefined) yield first
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value
}

export const auditRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.get(
    '/audit/verify',
    { schema: { querystring: verifyQuery, response: { 200: verifyReport } } },
    async (request) => {
      const { from, to } = request.query
      const report = await verifyChain(deps.readModels, {
        ...(from !== undefined ? { from: BigInt(from) } : {}),
        ...(to !== undefined ? { to: BigInt(to) } : {}),
      })
      return {
        object: 'audit_chain_report' as const,
        ok: report.ok,
        checked: report.checked,
        first_break: report.first_break ?? null,
        unchained_after: report.unchained_after ?? null,
      }
    },
  )

  app.get(
    '/audit/export',
    {
      schema: {
        querystring: exportQuery,
        response: {
          200: {
            description: 'The events, one per line (NDJSON) or row (CSV), in log order',
            content: { 'application/x-ndjson': { schema: exportLine }, 'text/csv': { schema: exportCsv } },
          },
        },
      },
    },
    async (request, reply) => {
      const { format, ...filter } = request.query
      const pages = exportPages(deps.readModels, filter)
      // The first page before the status line: a database that fails now is a problem+json answer,
      // not a 200 cut short. Later pages are read as the client takes the earlier ones (back-pressure:
      // a byte stream's buffer holds less than one page, so at most one page is in memory).
      const first = await pages.next()
      const body = encodeExport(startingWith(first.done === true ? undefined : first.value, pages), format)
      // A byte stream is not one of the schema's bodies: it goes out as it is, never serialised.
      const raw: FastifyReply = reply
      raw.type(EXPORT_CONTENT_TYPES[format])
      return raw.send(Readable.from(body, { objectMode: false }))
    },
  )

  app.get(
    '/audit/organizations/:organization_id/state',
    { schema: { params: stateParams, querystring: stateQuery, response: { 200: organizationState } } },
    async (request) => {
      const { organization_id } = request.params
      const { at } = request.query
      const events = await organizationEventsAt(deps.readModels, organization_id, at)
      const state = organizationStateAt(organization_id, events)
      // Before it was created, an organization is as absent as one that never was.
      if (state === null)
        throw new AppError('ORG_NOT_FOUND', 'no such organization at that instant', { organization_id })
      return { object: 'organization_state' as const, at, ...state }
    },
  )
}

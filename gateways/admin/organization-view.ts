import type { FastifyReply } from 'fastify'
import { organizationMonthlyLimitUsd } from '../../commands/budgets/budget-commands.ts'
import { loadState } from '../../commands/handle-command.ts'
import { AppError } from '../../domain/errors.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { type ExistingOrganization, organizationStream } from '../../domain/organizations/organization.ts'
import {
  findOrganization,
  type OrganizationRow,
  type OrganizationStatus,
} from '../../projections/organizations/organizations.ts'
import { type AdminDeps, awaitProjectionOrAnswerFromLog } from './context.ts'
import { setETag } from './preconditions.ts'

// An organization as the admin API shows it; its version goes in the ETag, not the body.

export function shownOrganization(row: OrganizationRow) {
  const { version: _version, ...shown } = row
  return { ...shown, object: 'organization' as const }
}

function shownState(state: ExistingOrganization, monthly_limit_usd: number | null) {
  const { organization_id, name, created_at, settings } = state
  const status: OrganizationStatus =
    state.status === 'Active' ? 'active' : state.status === 'Suspended' ? 'suspended' : 'closed'
  const suspended_reason = state.status === 'Suspended' ? state.reason : null
  return {
    id: organization_id,
    object: 'organization' as const,
    name,
    created_at,
    status,
    suspended_reason,
    settings,
    monthly_limit_usd,
  }
}

/** GET: the read model's row, with its ETag; 404 when it has none. */
export async function replyWithOrganization(deps: AdminDeps, reply: FastifyReply, organization_id: string) {
  const row = await findOrganization(deps.readModels, organization_id)
  if (!row) throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  setETag(reply, row.version)
  return shownOrganization(row)
}

/**
 * After a command: waits until the read models include its last event (`position`; null when it
 * changed nothing), so a GET that follows sees the change, and answers from the stream itself,
 * so a slow projector never turns a committed change into a 404 or a 503.
 */
export async function replyAfterCommand(
  deps: AdminDeps,
  reply: FastifyReply,
  organization_id: string,
  position: bigint | null,
) {
  await awaitProjectionOrAnswerFromLog(deps, position)
  const stream = organizationStream(organization_id)
  const { state, version } = await loadState(deps.commands.store, stream, organizationDecider)
  if (state.status === 'Absent')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  setETag(reply, version)
  // The organization's monthly hard budget, now a budget of its own (commands/budgets).
  return shownState(state, await organizationMonthlyLimitUsd(deps.commands.store, state))
}

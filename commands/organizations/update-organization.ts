import type { SettingsChange } from '../../domain/organizations/decide.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface OrganizationChanged {
  organization_id: string
  /** Global position of the last event written, for read-your-writes waits; null when none was. */
  position: bigint | null
}

/** Rename and change settings in one append (PATCH /organizations/{id}). */
export async function updateOrganization(
  deps: CommandDeps,
  input: { organization_id: string; name?: string | undefined; settings?: SettingsChange | undefined },
  context: CommandContext,
): Promise<OrganizationChanged> {
  const { positions } = await handleCommand(
    deps,
    organizationStream(input.organization_id),
    organizationDecider,
    { type: 'UpdateOrganization', data: { ...input, now: deps.now().toISOString() } },
    context,
  )
  return { organization_id: input.organization_id, position: positions.at(-1) ?? null }
}

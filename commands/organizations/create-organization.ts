import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type CommandContext, type CommandDeps, handleCommand } from '../handle-command.ts'

export interface CreatedOrganization {
  organization_id: string
  name: string
  created_at: string
  /** Global position of the last event written, for read-your-writes waits. */
  position: bigint
}

export async function createOrganization(
  deps: CommandDeps,
  input: { name: string },
  context: CommandContext,
): Promise<CreatedOrganization> {
  const organization_id = deps.newId()
  const now = deps.now().toISOString()
  const { positions } = await handleCommand(
    deps,
    organizationStream(organization_id),
    organizationDecider,
    { type: 'CreateOrganization', data: { organization_id, name: input.name, now } },
    context,
  )
  return { organization_id, name: input.name, created_at: now, position: positions.at(-1) ?? 0n }
}

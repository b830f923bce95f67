import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import type { OrganizationCommand } from '../../../domain/organizations/decide.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import type { Organization } from '../../../domain/organizations/organization.ts'

// Model-based: any sequence of commands moves the organization as the small table below says,
// closing is terminal, and a change that was applied decides nothing when sent again (a retried
// PATCH or budget adds no event).
const organization_id = '0190a8e2-0000-7000-8000-000000000001'
const now = '2026-11-26T10:00:00.000Z'
type Status = Organization['status']

const command = fc.oneof(
  fc.constant<OrganizationCommand>({
    type: 'CreateOrganization',
    data: { organization_id, name: 'Acme', now },
  }),
  fc.constantFrom('Acme', 'Beta').map<OrganizationCommand>((name) => ({
    type: 'RenameOrganization',
    data: { organization_id, name, now },
  })),
  fc
    .record({ timezone: fc.constantFrom('UTC', 'Asia/Tokyo'), mfa_required: fc.boolean() })
    .map<OrganizationCommand>((s) => ({
      type: 'ChangeOrganizationSettings',
      data: { organization_id, ...s, now },
    })),
  fc.constant<OrganizationCommand>({
    type: 'SuspendOrganization',
    data: { organization_id, reason: 'r', now },
  }),
  fc.constant<OrganizationCommand>({ type: 'ReactivateOrganization', data: { organization_id, now } }),
  fc.constant<OrganizationCommand>({ type: 'CloseOrganization', data: { organization_id, now } }),
)

/** The expected outcome of a command in a status: the next status, or the refusal's code. */
function expected(type: OrganizationCommand['type'], status: Status): Status | { code: string } {
  if (type === 'CreateOrganization') return status === 'Absent' ? 'Active' : { code: 'ORG_ALREADY_EXISTS' }
  if (status === 'Absent') return { code: 'ORG_NOT_FOUND' }
  if (status === 'Closed') return { code: 'ORG_CLOSED' }
  if (type === 'SuspendOrganization') return status === 'Suspended' ? { code: 'ORG_SUSPENDED' } : 'Suspended'
  if (type === 'ReactivateOrganization')
    return status === 'Suspended' ? 'Active' : { code: 'ORG_NOT_SUSPENDED' }
  if (type === 'CloseOrganization') return 'Closed'
  return status
}

function attempt(cmd: OrganizationCommand, state: Organization) {
  try {
    return { events: organizationDecider.decide(cmd, state) }
  } catch (error) {
    if (!isAppError(error)) throw error
    return { code: error.code }
  }
}

describe('organization lifecycle (property)', () => {
  it('follows the status table for any sequence of commands; a change sent again decides nothing', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        let state = organizationDecider.initialState
        for (const cmd of commands) {
          const want = expected(cmd.type, state.status)
          const outcome = attempt(cmd, state)
          if (typeof want === 'object') {
            expect(outcome).toEqual({ code: want.code })
            continue
          }
          expect(outcome.events).toBeDefined()
          state = (outcome.events ?? []).reduce(organizationDecider.evolve, state)
          expect(state.status).toBe(want)
          if (cmd.type === 'RenameOrganization' || cmd.type === 'ChangeOrganizationSettings') {
            expect(organizationDecider.decide(cmd, state)).toEqual([])
          }
        }
      }),
      { numRuns: 300 },
    )
  })
})

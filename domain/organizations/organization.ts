// The organization aggregate: its events, its states, and how an event changes the state.
// Event data is snake_case: it is stored and exported as-is (docs/events.md). The schemas parse
// events read back from the store, so a stored event is never trusted by a cast.
import { z } from 'zod'
import { DEFAULT_SETTINGS, type OrganizationSettings, settingsSchema, withDefaults } from './settings.ts'

const id = { organization_id: z.string() }

export const organizationEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OrganizationCreated'),
    data: z.object({ ...id, name: z.string(), created_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationBudgetSet'),
    data: z.object({
      ...id,
      /** USD per calendar month (UTC); null removes the budget. */
      monthly_limit_usd: z.number().nonnegative().nullable(),
      set_at: z.string(),
    }),
  }),
  z.object({
    type: z.literal('OrganizationRenamed'),
    data: z.object({ ...id, name: z.string(), renamed_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationSettingsChanged'),
    // The whole settings after the change, so one event is enough to know them.
    data: z.object({ ...id, ...settingsSchema.shape, changed_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationSuspended'),
    data: z.object({ ...id, reason: z.string(), suspended_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationReactivated'),
    data: z.object({ ...id, reactivated_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationClosed'),
    data: z.object({ ...id, closed_at: z.string() }),
  }),
])

export type OrganizationEvent = z.infer<typeof organizationEventSchema>

/** What every organization that exists has, whatever its status. */
export interface OrganizationFacts {
  organization_id: string
  name: string
  created_at: string
  settings: OrganizationSettings
  monthly_limit_usd: number | null
}

export type Organization =
  | { status: 'Absent' }
  | ({ status: 'Active' } & OrganizationFacts)
  | ({ status: 'Suspended'; reason: string; suspended_at: string } & OrganizationFacts)
  | ({ status: 'Closed'; closed_at: string } & OrganizationFacts)

export type ExistingOrganization = Exclude<Organization, { status: 'Absent' }>

export const initialState: Organization = { status: 'Absent' }

/** The facts of a state, without its status and the fields that come with it. */
function factsOf(state: ExistingOrganization): OrganizationFacts {
  const { organization_id, name, created_at, settings, monthly_limit_usd } = state
  return { organization_id, name, created_at, settings, monthly_limit_usd }
}

/** Applies a change to an existing organization; an event for an absent one changes nothing. */
const update = (state: Organization, change: (state: ExistingOrganization) => Organization): Organization =>
  state.status === 'Absent' ? state : change(state)

export function evolve(state: Organization, event: OrganizationEvent): Organization {
  switch (event.type) {
    case 'OrganizationCreated':
      return { status: 'Active', ...event.data, settings: DEFAULT_SETTINGS, monthly_limit_usd: null }
    case 'OrganizationBudgetSet':
      return update(state, (s) => ({ ...s, monthly_limit_usd: event.data.monthly_limit_usd }))
    case 'OrganizationRenamed':
      return update(state, (s) => ({ ...s, name: event.data.name }))
    case 'OrganizationSettingsChanged': {
      const settings = withDefaults(event.data)
      return update(state, (s) => ({ ...s, settings }))
    }
    case 'OrganizationSuspended': {
      const { reason, suspended_at } = event.data
      return update(state, (s) => ({ status: 'Suspended', ...factsOf(s), reason, suspended_at }))
    }
    case 'OrganizationReactivated':
      return update(state, (s) => ({ status: 'Active', ...factsOf(s) }))
    case 'OrganizationClosed':
      return update(state, (s) => ({ status: 'Closed', ...factsOf(s), closed_at: event.data.closed_at }))
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const organizationStream = (organizationId: string): string => `organization-${organizationId}`

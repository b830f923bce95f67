// The organization aggregate: its events, its states, and how an event changes the state.
// Event data is snake_case: it is stored and exported as-is (docs/events.md). The schemas parse
// events read back from the store, so a stored event is never trusted by a cast.
import { z } from 'zod'

export const organizationEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OrganizationCreated'),
    data: z.object({ organization_id: z.string(), name: z.string(), created_at: z.string() }),
  }),
  z.object({
    type: z.literal('OrganizationBudgetSet'),
    data: z.object({
      organization_id: z.string(),
      /** USD per calendar month (UTC); null removes the budget. */
      monthly_limit_usd: z.number().nonnegative().nullable(),
      set_at: z.string(),
    }),
  }),
])

export type OrganizationEvent = z.infer<typeof organizationEventSchema>

export type Organization =
  | { status: 'Absent' }
  | {
      status: 'Active'
      organization_id: string
      name: string
      created_at: string
      monthly_limit_usd: number | null
    }

export const initialState: Organization = { status: 'Absent' }

export function evolve(state: Organization, event: OrganizationEvent): Organization {
  switch (event.type) {
    case 'OrganizationCreated':
      return { status: 'Active', ...event.data, monthly_limit_usd: null }
    case 'OrganizationBudgetSet':
      return state.status === 'Active' ? { ...state, monthly_limit_usd: event.data.monthly_limit_usd } : state
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const organizationStream = (organizationId: string): string => `organization-${organizationId}`

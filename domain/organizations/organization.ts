// The organization aggregate: its events, its states, and how an event changes the state.
// Event data is snake_case: it is stored and exported as-is (docs/events.md). The schemas parse
// events read back from the store, so a stored event is never trusted by a cast.
import { z } from 'zod'

export const organizationEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OrganizationCreated'),
    data: z.object({ organization_id: z.string(), name: z.string(), created_at: z.string() }),
  }),
])

export type OrganizationEvent = z.infer<typeof organizationEventSchema>

export type Organization =
  | { status: 'Absent' }
  | { status: 'Active'; organization_id: string; name: string; created_at: string }

export const initialState: Organization = { status: 'Absent' }

export function evolve(_state: Organization, event: OrganizationEvent): Organization {
  switch (event.type) {
    case 'OrganizationCreated':
      return { status: 'Active', ...event.data }
    default: {
      const unknown: never = event.type
      throw new Error(`unknown event ${unknown}`)
    }
  }
}

export const organizationStream = (organizationId: string): string => `organization-${organizationId}`

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { apiKeyEventSchema } from '../../../domain/api-keys/api-key.ts'
import { accessDeniedSchema } from '../../../domain/authorization/access-denied.ts'
import { budgetEventSchema } from '../../../domain/budgets/budget.ts'
import { credentialEventSchema } from '../../../domain/credentials/credentials.ts'
import { modelEventSchema } from '../../../domain/models/model.ts'
import { organizationEventSchema } from '../../../domain/organizations/organization.ts'
import { serviceAccountEventSchema } from '../../../domain/service-accounts/service-account.ts'
import { userEventSchema } from '../../../domain/users/user.ts'

// The event catalogue auditors read (docs/events.md, pointed to by docs/audit.md) names every
// event type the domain can record: a new event cannot reach the log undocumented.

const typesOf = (schema: { options: readonly { shape: { type: { value: string } } }[] }) =>
  schema.options.map((option) => option.shape.type.value)

const RECORDED = [
  ...typesOf(organizationEventSchema),
  ...typesOf(apiKeyEventSchema),
  ...typesOf(budgetEventSchema),
  ...typesOf(modelEventSchema),
  ...typesOf(serviceAccountEventSchema),
  ...typesOf(userEventSchema),
  ...typesOf(credentialEventSchema),
  accessDeniedSchema.shape.type.value,
]

describe('the event catalogue', () => {
  const catalogue = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')

  it('documents every event type the domain records', () => {
    expect(RECORDED.length).toBeGreaterThan(30)
    const missing = RECORDED.filter((type) => !catalogue.includes(`\`${type}\``))
    expect(missing).toEqual([])
  })

  it('is where docs/audit.md sends auditors', () => {
    const audit = readFileSync(new URL('../../../docs/audit.md', import.meta.url), 'utf8')
    expect(audit).toContain('(events.md)')
  })
})

import { apiKeyEventSchema } from '../domain/api-keys/api-key.ts'
import { budgetEventSchema } from '../domain/budgets/budget.ts'
import { modelEventSchema } from '../domain/models/model.ts'
import { organizationEventSchema } from '../domain/organizations/organization.ts'
import { serviceAccountEventSchema } from '../domain/service-accounts/service-account.ts'
import { userEventSchema } from '../domain/users/user.ts'
import type { Sql } from '../infra/ports/database.ts'
import type { RecordedEvent } from '../infra/ports/event-store.ts'
import { projectApiKey } from './api-keys/api-keys.ts'
import { projectBudget, projectLegacyBudget } from './budgets/budgets.ts'
import { projectModel } from './models/models.ts'
import { projectOrganization } from './organizations/organizations.ts'
import { projectServiceAccount } from './service-accounts/service-accounts.ts'
import { projectUser } from './users/users.ts'

export const READ_MODELS = 'read-models'

/**
 * The channel on which every projected batch is announced (payload: its last global position),
 * so router replicas refresh at once (projections/router/change-feed.ts). NOTIFY is delivered on
 * commit, with the checkpoint: a listener never hears of a batch the read models do not hold.
 */
export const READ_MODELS_CHANNEL = 'aiaas_read_models'

/**
 * One identity read model: the tables it owns, the event types that feed it and how it applies
 * one. The projector and `aiaas projections rebuild` (projections/rebuild.ts) both read this
 * registry, so a new read model is registered once. `tables` lists only what the read model's
 * own events write: a table a command checks for uniqueness (email_reservations, ADR 0009) is not
 * a read model and is never listed.
 */
export interface ReadModel {
  readonly name: string
  readonly tables: readonly string[]
  readonly types: ReadonlySet<string>
  /** A known type whose data does not parse throws: its batch rolls back and is retried. */
  project(recorded: RecordedEvent, tx: Sql): Promise<void>
}

const typesOf = (schema: { options: readonly { shape: { type: { value: string } } }[] }) =>
  new Set(schema.options.map((option) => option.shape.type.value))
const eventOf = (recorded: RecordedEvent) => ({ type: recorded.type, data: recorded.data })

export const READ_MODEL_REGISTRY: readonly ReadModel[] = [
  {
    name: 'organizations',
    tables: ['rm_organizations'],
    types: typesOf(organizationEventSchema),
    project: (recorded, tx) =>
      projectOrganization(
        organizationEventSchema.parse(eventOf(recorded)),
        { position: recorded.global_position, version: recorded.stream_version },
        tx,
      ),
  },
  {
    name: 'api-keys',
    tables: ['rm_api_keys', 'rm_api_key_previous_hashes'],
    types: typesOf(apiKeyEventSchema),
    project: (recorded, tx) =>
      projectApiKey(apiKeyEventSchema.parse(eventOf(recorded)), recorded.global_position, tx),
  },
  {
    name: 'models',
    tables: ['rm_models'],
    types: typesOf(modelEventSchema),
    project: (recorded, tx) =>
      projectModel({ ...recorded, event: modelEventSchema.parse(eventOf(recorded)) }, tx),
  },
  {
    name: 'budgets',
    tables: ['rm_budgets'],
    // OrganizationBudgetSet: a budget of before budgets had streams (docs/events.md).
    types: new Set([...typesOf(budgetEventSchema), 'OrganizationBudgetSet']),
    project: (recorded, tx) => {
      const event = eventOf(recorded)
      if (event.type !== 'OrganizationBudgetSet') {
        const at = { position: recorded.global_position, version: recorded.stream_version }
        return projectBudget(budgetEventSchema.parse(event), at, tx)
      }
      const legacy = organizationEventSchema.parse(event)
      return legacy.type === 'OrganizationBudgetSet'
        ? projectLegacyBudget(legacy, recorded.global_position, tx)
        : Promise.resolve()
    },
  },
  {
    name: 'users',
    tables: ['rm_users', 'rm_memberships'],
    types: typesOf(userEventSchema),
    project: (recorded, tx) => projectUser(userEventSchema.parse(eventOf(recorded)), recorded, tx),
  },
  {
    name: 'service-accounts',
    tables: ['rm_service_accounts'],
    types: typesOf(serviceAccountEventSchema),
    project: (recorded, tx) =>
      projectServiceAccount(
        serviceAccountEventSchema.parse(eventOf(recorded)),
        { position: recorded.global_position, version: recorded.stream_version },
        tx,
      ),
  },
]

/**
 * The identity read models, fed by one checkpointed subscription: every row write and the
 * checkpoint commit together, so a crash never leaves a read model ahead of or behind its log.
 */
export const readModelsProjection = {
  name: READ_MODELS,
  async handle(events: readonly RecordedEvent[], tx: Sql): Promise<void> {
    for (const recorded of events) {
      for (const model of READ_MODEL_REGISTRY) {
        if (model.types.has(recorded.type)) await model.project(recorded, tx)
      }
    }
    const last = events.at(-1)
    if (last) await tx.query('SELECT pg_notify($1, $2)', [READ_MODELS_CHANNEL, String(last.global_position)])
  },
}

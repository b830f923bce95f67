import { apiKeyEventSchema } from '../domain/api-keys/api-key.ts'
import { modelEventSchema } from '../domain/models/model.ts'
import { organizationEventSchema } from '../domain/organizations/organization.ts'
import { userEventSchema } from '../domain/users/user.ts'
import type { Sql } from '../infra/ports/database.ts'
import type { RecordedEvent } from '../infra/ports/event-store.ts'
import { projectApiKey } from './api-keys/api-keys.ts'
import { projectModel } from './models/models.ts'
import { projectOrganization } from './organizations/organizations.ts'
import { projectUser } from './users/users.ts'

export const READ_MODELS = 'read-models'

const typesOf = (schema: { options: readonly { shape: { type: { value: string } } }[] }) =>
  new Set(schema.options.map((option) => option.shape.type.value))
const organizationTypes = typesOf(organizationEventSchema)
const apiKeyTypes = typesOf(apiKeyEventSchema)
const modelTypes = typesOf(modelEventSchema)
const userTypes = typesOf(userEventSchema)

async function projectOne(recorded: RecordedEvent, tx: Sql): Promise<void> {
  const event = { type: recorded.type, data: recorded.data }
  // A known type whose data does not parse throws: the batch rolls back and is retried, rather
  // than silently leaving a read model without the event.
  if (organizationTypes.has(recorded.type)) {
    const at = { position: recorded.global_position, version: recorded.stream_version }
    await projectOrganization(organizationEventSchema.parse(event), at, tx)
  } else if (apiKeyTypes.has(recorded.type)) {
    await projectApiKey(apiKeyEventSchema.parse(event), recorded.global_position, tx)
  } else if (modelTypes.has(recorded.type)) {
    await projectModel({ ...recorded, event: modelEventSchema.parse(event) }, tx)
  } else if (userTypes.has(recorded.type)) {
    await projectUser(userEventSchema.parse(event), recorded, tx)
  }
}

/**
 * The identity read models, fed by one checkpointed subscription: every row write and the
 * checkpoint commit together, so a crash never leaves a read model ahead of or behind its log.
 */
export const readModelsProjection = {
  name: READ_MODELS,
  async handle(events: readonly RecordedEvent[], tx: Sql): Promise<void> {
    for (const recorded of events) await projectOne(recorded, tx)
  },
}

import type { ModelDefinition, ModelEvent } from '../../domain/models/model.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: the model catalogue, one row per existing model. Rows are written only when the
// event is newer than the row (position), so applying an event twice changes nothing.
const UPSERT = `
  INSERT INTO rm_models (name, aliases, input_price_per_million_usd, output_price_per_million_usd,
                         max_output_tokens, backends, created_at, updated_at, version, position,
                         created_position, strategy, rpm_limit, tpm_limit)
  VALUES ($1, $2::jsonb, $3, $4, $5, $6::jsonb, $7, $7, $8, $9, $9, $11, $12, $13)
  ON CONFLICT (name) DO UPDATE SET
    aliases = EXCLUDED.aliases,
    input_price_per_million_usd = EXCLUDED.input_price_per_million_usd,
    output_price_per_million_usd = EXCLUDED.output_price_per_million_usd,
    max_output_tokens = EXCLUDED.max_output_tokens,
    backends = EXCLUDED.backends,
    strategy = EXCLUDED.strategy,
    rpm_limit = EXCLUDED.rpm_limit,
    tpm_limit = EXCLUDED.tpm_limit,
    created_at = CASE WHEN $10 THEN EXCLUDED.created_at ELSE rm_models.created_at END,
    created_position = CASE WHEN $10 THEN EXCLUDED.created_position ELSE rm_models.created_position END,
    updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version,
    position = EXCLUDED.position
  WHERE rm_models.position < EXCLUDED.position`

export interface ProjectedEvent {
  event: ModelEvent
  stream_version: number
  global_position: bigint
}

async function upsert(tx: Sql, d: ModelDefinition, at: string, created: boolean, e: ProjectedEvent) {
  await tx.query(UPSERT, [
    d.name,
    JSON.stringify(d.aliases),
    d.input_price_per_million_usd,
    d.output_price_per_million_usd,
    d.max_output_tokens,
    JSON.stringify(d.backends),
    at,
    e.stream_version,
    e.global_position,
    created,
    d.strategy ?? 'priority',
    d.rpm_limit ?? null,
    d.tpm_limit ?? null,
  ])
}

export async function projectModel(projected: ProjectedEvent, tx: Sql): Promise<void> {
  const { event } = projected
  switch (event.type) {
    case 'ModelCreated':
      return upsert(tx, event.data, event.data.created_at, true, projected)
    case 'ModelUpdated':
      return upsert(tx, event.data, event.data.updated_at, false, projected)
    case 'ModelDeleted':
      await tx.query('DELETE FROM rm_models WHERE name = $1 AND position < $2', [
        event.data.name,
        projected.global_position,
      ])
      return
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

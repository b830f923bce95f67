import { z } from 'zod'
import { backendSchema, STRATEGIES } from '../../domain/models/model.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Reads of the model catalogue. Rows are parsed, not cast: jsonb columns come back as whatever
// the driver made of them.
const timestamp = z.union([z.date(), z.string()]).transform((t) => new Date(t).toISOString())

const limit = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value) => (value == null ? null : Number(value)))

const rowSchema = z.object({
  name: z.string(),
  aliases: z.array(z.string()),
  input_price_per_million_usd: z.string(),
  output_price_per_million_usd: z.string(),
  max_output_tokens: z.number(),
  strategy: z.enum(STRATEGIES),
  // bigint columns (migration 0431) come back as text; a router copy saved before them has none.
  rpm_limit: limit.optional(),
  tpm_limit: limit.optional(),
  backends: z.array(backendSchema),
  created_at: timestamp,
  updated_at: timestamp,
  version: z.number(),
})

export type ModelRecord = z.infer<typeof rowSchema>

const COLUMNS = `name, aliases, input_price_per_million_usd, output_price_per_million_usd,
  max_output_tokens, strategy, rpm_limit, tpm_limit, backends, created_at, updated_at, version`

export async function findModel(db: Sql, name: string): Promise<ModelRecord | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rm_models WHERE name = $1`, [name])
  return rows[0] ? rowSchema.parse(rows[0]) : null
}

const listedSchema = rowSchema.extend({
  created_position: z.union([z.bigint(), z.string(), z.number()]).transform((p) => BigInt(p)),
})
export type ListedModel = z.infer<typeof listedSchema>

/**
 * Models in commit order (the position of their ModelCreated), after `after` (the last position
 * of the previous page): one created while a client pages always comes after its cursor.
 */
export async function listModels(
  db: Sql,
  page: { after: bigint | null; limit: number },
): Promise<ListedModel[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, created_position FROM rm_models
      WHERE ($1::bigint IS NULL OR created_position > $1::bigint)
      ORDER BY created_position LIMIT $2`,
    [page.after, page.limit],
  )
  return rows.map((row) => listedSchema.parse(row))
}

/**
 * Every model, for the router's catalogue. A row this version cannot read (say a backend provider
 * only a newer identity knows, written during a rolling upgrade) is left out and handed to
 * `unreadable` with its name, so one such row never hides the others.
 */
export async function allModels(
  db: Sql,
  unreadable: (name: string, error: unknown) => void,
): Promise<ModelRecord[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rm_models ORDER BY name COLLATE "C"`)
  return rows.flatMap((row) => {
    const parsed = rowSchema.safeParse(row)
    if (parsed.success) return [parsed.data]
    unreadable(String(row.name), parsed.error)
    return []
  })
}

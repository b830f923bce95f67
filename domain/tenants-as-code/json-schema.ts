import { z } from 'zod'
import { modelSchema, organizationSchema, repositoryConfigSchema } from './resources.ts'

// The JSON Schemas of the two files, generated from the zod schemas (the one definition) and
// published as docs/tenants-as-code/*.schema.json for editors and CI; a test keeps them equal.
// `io: 'input'`: a file may leave out what has a default.

const generated = (schema: z.ZodType, id: string) => ({
  $id: `https://aiaas.dev/schemas/tenants-as-code/${id}`,
  ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
})

export const organizationJsonSchema = generated(organizationSchema, 'organization.schema.json')
export const modelJsonSchema = generated(modelSchema, 'model.schema.json')
export const repositoryJsonSchema = generated(repositoryConfigSchema, 'repository.schema.json')

/** The published files, by name under docs/tenants-as-code/. */
export const PUBLISHED_SCHEMAS = {
  'organization.schema.json': organizationJsonSchema,
  'model.schema.json': modelJsonSchema,
  'repository.schema.json': repositoryJsonSchema,
} as const

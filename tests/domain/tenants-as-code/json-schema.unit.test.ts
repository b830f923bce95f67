import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PUBLISHED_SCHEMAS } from '../../../domain/tenants-as-code/json-schema.ts'

// The JSON Schemas in docs/ are what editors and CI validate the files with: they must be the ones
// generated from the zod schemas the reconciler reads the files with.
describe('the published JSON Schemas of a tenants repository', () => {
  for (const [name, generated] of Object.entries(PUBLISHED_SCHEMAS)) {
    it(`docs/tenants-as-code/${name} is the schema generated from domain/tenants-as-code/resources.ts`, () => {
      const published: unknown = JSON.parse(
        readFileSync(new URL(`../../../docs/tenants-as-code/${name}`, import.meta.url), 'utf8'),
      )
      // On a difference, regenerate: JSON.stringify(PUBLISHED_SCHEMAS[name], null, 2) into the file,
      // then `biome format --write docs/tenants-as-code` (the lint tier checks the files too).
      expect(published).toEqual(generated)
    })
  }
})

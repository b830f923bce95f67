import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import { type Document, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { type DefinitionFile, desiredOf } from '../../domain/tenants-as-code/desired.ts'
import {
  modelJsonSchema,
  organizationJsonSchema,
  repositoryJsonSchema,
} from '../../domain/tenants-as-code/json-schema.ts'
import type { Desired } from '../../domain/tenants-as-code/model.ts'
import {
  modelSchema,
  organizationSchema,
  REPOSITORY_CONFIG_FILE,
  type RepositoryConfig,
  repositoryConfigSchema,
} from '../../domain/tenants-as-code/resources.ts'

// A tenants repository's files → the desired state, or every error with its file and line. The
// files are checked against the published JSON Schema (ajv), then parsed by the zod schemas it
// was generated from (defaults, types); a file that fails either is refused, and with it the run.

export interface RepositoryFile {
  path: string
  text: string
}

export interface FileError {
  file: string
  line: number
  reason: string
}

// Formats are not checked by name (no ajv-formats): each one zod writes comes with its pattern.
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
const validators = {
  organization: ajv.compile(organizationJsonSchema),
  model: ajv.compile(modelJsonSchema),
  repository: ajv.compile(repositoryJsonSchema),
}

interface Parsed {
  file: string
  doc: Document
  lines: LineCounter
}

/** The line of the deepest node of `path` the file has (1-based); 1 when none. */
function lineOf({ doc, lines }: Parsed, path: readonly (string | number)[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0]
    if (typeof offset === 'number') return lines.linePos(offset).line
  }
  return 1
}

const pathOf = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))

function schemaError(parsed: Parsed, error: ErrorObject): FileError {
  const path = pathOf(error.instancePath)
  const extra = error.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : null
  const where = extra === null ? path : [...path, extra]
  const field = where.length > 0 ? `${where.join('.')}: ` : ''
  const allowed = error.keyword === 'enum' ? ` (${String(error.params.allowedValues)})` : ''
  return {
    file: parsed.file,
    line: lineOf(parsed, where),
    reason: `${field}${error.message ?? 'invalid'}${allowed}`,
  }
}

function parse(file: RepositoryFile): Parsed | FileError[] {
  const lines = new LineCounter()
  const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false })
  if (doc.errors.length === 0) return { file: file.path, doc, lines }
  return doc.errors.map((error) => ({
    file: file.path,
    line: lines.linePos(error.pos[0]).line,
    reason: error.message.split('\n')[0] ?? 'invalid YAML',
  }))
}

/** Checks one file against its JSON Schema, then reads it with the zod schema. */
function check<T>(parsed: Parsed, kind: keyof typeof validators, schema: z.ZodType<T>): T | FileError[] {
  const value: unknown = parsed.doc.toJS()
  const validate = validators[kind]
  if (!validate(value)) return (validate.errors ?? []).map((error) => schemaError(parsed, error))
  const read = schema.safeParse(value)
  if (read.success) return read.data
  return read.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
    return { file: parsed.file, line: lineOf(parsed, path), reason: `${path.join('.')}: ${issue.message}` }
  })
}

const isYaml = (path: string) => /\.ya?ml$/.test(path)

/** A file by its place and `kind`: the settings, a model, or (anything else) an organization. */
function readFile(parsed: Parsed): RepositoryConfig | DefinitionFile | FileError[] {
  const file = parsed.file
  if (file === REPOSITORY_CONFIG_FILE) return check(parsed, 'repository', repositoryConfigSchema)
  if (parsed.doc.get('kind') === 'Model') {
    const model = check(parsed, 'model', modelSchema)
    return Array.isArray(model) ? model : { file, model }
  }
  const organization = check(parsed, 'organization', organizationSchema)
  return Array.isArray(organization) ? organization : { file, organization }
}

/** The desired state of a repository's files, or all their errors (then nothing is applied). */
export function loadRepository(
  files: readonly RepositoryFile[],
): { desired: Desired } | { errors: FileError[] } {
  const errors: FileError[] = []
  let config: RepositoryConfig = { kind: 'Repository', prune: false }
  const definitions: DefinitionFile[] = []
  const parsedByFile = new Map<string, Parsed>()
  for (const file of [...files].filter((f) => isYaml(f.path)).sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parse(file)
    if (Array.isArray(parsed)) {
      errors.push(...parsed)
      continue
    }
    parsedByFile.set(file.path, parsed)
    const read = readFile(parsed)
    if (Array.isArray(read)) errors.push(...read)
    else if ('kind' in read) config = read
    else definitions.push(read)
  }
  if (errors.length > 0) return { errors }
  const result = desiredOf(config, definitions)
  if ('desired' in result) return result
  return {
    errors: result.problems.map((p) => {
      const parsed = parsedByFile.get(p.file)
      return { file: p.file, line: parsed ? lineOf(parsed, p.path) : 1, reason: p.reason }
    }),
  }
}

export const formatErrors = (errors: readonly FileError[]): string =>
  errors.map((e) => `${e.file}:${e.line}: ${e.reason}\n`).join('')

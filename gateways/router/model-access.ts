import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { clip } from '../http/clip.ts'

/** A model a key may call: allowed by the key's own list and by its organization's (null: all). */
export function isModelAllowed(key: ApiKeyRecord, names: readonly string[]): boolean {
  const allows = (list: readonly string[] | null) =>
    list === null || names.some((name) => list.includes(name))
  return allows(key.allowed_models) && allows(key.organization_allowed_models)
}

/**
 * Refuses a model the key may not call, as OpenAI refuses a project's disallowed model: 403,
 * code `model_not_allowed`. `names` are what the caller asked for and what it resolved to.
 */
export function checkModelAllowed(key: ApiKeyRecord, names: readonly string[]): void {
  if (isModelAllowed(key, names)) return
  const shown = clip(names[0] ?? '')
  throw new AppError('MODEL_NOT_ALLOWED', `This API key may not use the model \`${shown}\``, { model: shown })
}

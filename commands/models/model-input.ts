import { AppError } from '../../domain/errors.ts'
import type { BackendInput } from '../../domain/models/decide.ts'
import type { PROVIDERS } from '../../domain/models/model.ts'
import { canonicalPrice } from '../../domain/models/price.ts'
import { secretHint } from '../../domain/secrets/sealed-secret.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'

// What the admin API hands the model commands: plaintext api keys, prices as given. Here each
// api_key is sealed (the only place a model command sees plaintext) and each price canonicalised.
export interface BackendBody {
  url: string
  provider: (typeof PROVIDERS)[number]
  weight: number
  priority: number
  timeout_ms: number
  headers: Record<string, string>
  /** Plaintext; null removes it; absent keeps the current backend's key of the same url (PATCH). */
  api_key?: string | null | undefined
}

export function priceOf(field: string, value: string | number): string {
  const price = canonicalPrice(value)
  if (price === null)
    throw new AppError('MODEL_PRICE_INVALID', `${field}: not a price in 0…100000`, { field })
  return price
}

export async function sealBackends(
  secrets: SecretBox,
  backends: readonly BackendBody[],
): Promise<BackendInput[]> {
  const sealed: BackendInput[] = []
  // One at a time: each seal writes a data key row, and PGlite has one session anyway.
  for (const { api_key, ...backend } of backends) {
    if (api_key === undefined) sealed.push({ ...backend, api_key: 'keep' })
    else if (api_key === null) sealed.push({ ...backend, api_key: null })
    else
      sealed.push({ ...backend, api_key: { sealed: await secrets.seal(api_key), hint: secretHint(api_key) } })
  }
  return sealed
}

import type { Backend } from '../../domain/models/model.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { allModels, type ModelRecord } from '../../projections/models/model-query.ts'
import type { Model, RoutedBackend } from './models.ts'

// The model catalogue (rm_models) as the router routes it: read into memory when the change feed
// sees a model event and every `intervalMs` (the fallback), a model rebuilt (and its api key
// opened) only when its stream version changed. Requests never wait for the database.

/** A catalogue backend as the router calls it, its api key opened (in memory only). */
async function routedBackend(
  backend: Backend,
  record: ModelRecord,
  secrets: SecretBox,
): Promise<RoutedBackend> {
  const apiKey = backend.api_key ? await secrets.open(backend.api_key) : null
  return {
    id: backend.url,
    url: backend.url,
    provider: backend.provider,
    weight: backend.weight,
    priority: backend.priority,
    timeout_ms: backend.timeout_ms,
    // openai-compatible and vllm take a bearer key; the anthropic adapter (providers/) sets its own.
    headers: { ...backend.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    upstream_model: record.name,
    max_output_tokens: record.max_output_tokens,
    probe: backend.probe,
  }
}

/** The router's entries for one catalogue model: its name, then each alias (same backends). */
export async function routerModelsOf(record: ModelRecord, secrets: SecretBox): Promise<Model[]> {
  const backends = await Promise.all(record.backends.map((b) => routedBackend(b, record, secrets)))
  // The first of the lowest priority value: what a usage event names when no attempt was made.
  const primary = [...backends].sort((a, b) => a.priority - b.priority)[0]
  if (!primary) return []
  const model: Model = {
    name: record.name,
    backend_url: primary.url,
    backend_headers: primary.headers,
    backends,
    strategy: record.strategy,
    input_usd_per_mtok: Number(record.input_price_per_million_usd),
    output_usd_per_mtok: Number(record.output_price_per_million_usd),
    max_output_tokens: record.max_output_tokens,
    // Across every organization: the ledger counts them per model (aliases share the name's).
    rpm_limit: record.rpm_limit,
    tpm_limit: record.tpm_limit,
  }
  return [model, ...record.aliases.map((alias) => ({ ...model, name: alias, backend_model: record.name }))]
}

export interface CatalogueModels {
  models(): readonly Model[]
  /** Reads the catalogue now (also done every interval). */
  refresh(): Promise<void>
  close(): Promise<void>
}

export interface CatalogueCopy {
  models(): ModelRecord[] | null
  saveModels(records: readonly ModelRecord[]): Promise<void>
}

export function startCatalogueModels(options: {
  db: Sql
  secrets: SecretBox
  intervalMs: number
  /**
   * A failed read, or a model left out (`model` names it): its stored row cannot be read by this
   * version, or its api key cannot be opened.
   */
  onError: (error: unknown, model?: string) => void
  /** The router's local copy: written after each read, read when the first read fails. */
  copy?: CatalogueCopy
}): CatalogueModels {
  let built = new Map<string, { version: number; models: Model[] }>()
  let current: Model[] = []

  /** The catalogue; until a first read succeeds, the local copy's while the database fails. */
  async function records(): Promise<ModelRecord[]> {
    try {
      // A row this version cannot read is left out, as a model whose key cannot be opened is.
      const all = await allModels(options.db, (name, error) => options.onError(error, name))
      // The copy is a fallback: failing to write it never fails the read.
      await options.copy?.saveModels(all).catch((error: unknown) => options.onError(error))
      return all
    } catch (error) {
      const copied = built.size === 0 ? options.copy?.models() : null
      if (!copied) throw error
      options.onError(error)
      return copied
    }
  }

  async function readOnce(): Promise<void> {
    const next = new Map<string, { version: number; models: Model[] }>()
    for (const record of await records()) {
      const known = built.get(record.name)
      if (known?.version === record.version) {
        next.set(record.name, known)
        continue
      }
      try {
        next.set(record.name, {
          version: record.version,
          models: await routerModelsOf(record, options.secrets),
        })
      } catch (error) {
        options.onError(error, record.name)
      }
    }
    built = next
    current = [...next.values()].flatMap((entry) => entry.models)
  }

  // One read at a time, so a slow database never piles reads up; a refresh asked during a read
  // gets one more read after it (the change feed asks after a model event, which the read in
  // progress may have missed), and asks during that wait share it.
  let reading: Promise<void> = Promise.resolve()
  let queued: Promise<void> | null = null
  const refresh = () => {
    queued ??= reading.then(() => {
      queued = null
      return readOnce()
    })
    reading = queued.catch(() => {})
    return queued
  }
  const timer = setInterval(() => {
    refresh().catch((error: unknown) => options.onError(error))
  }, options.intervalMs)
  timer.unref()
  return {
    models: () => current,
    refresh,
    close: async () => {
      clearInterval(timer)
      await reading
    },
  }
}

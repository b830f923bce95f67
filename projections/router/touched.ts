// What a batch of events changes in the router's caches (its keys, its model catalogue), read
// from the fields the identity events really carry (domain/*/…ts): every organization, API key
// and budget event names its `organization_id`; key events (and a key's budget) their
// `api_key_id`; ApiKeyIssued and ApiKeyRotated the new `key_hash`; model events live on stream
// `model-<name>`.

export interface Touched {
  organizations: Set<string>
  apiKeys: Set<string>
  /** Hashes of secrets issued by the batch: a negative cache entry for one must go. */
  keyHashes: Set<string>
  models: Set<string>
  /** An event that concerns keys but names neither its organization nor its key: re-read them all. */
  allKeys: boolean
  /** Re-read the whole model catalogue. */
  allModels: boolean
}

export interface TouchingEvent {
  type: string
  stream: string
  data: Record<string, unknown>
}

export const nothingTouched = (): Touched => ({
  organizations: new Set(),
  apiKeys: new Set(),
  keyHashes: new Set(),
  models: new Set(),
  allKeys: false,
  allModels: false,
})

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

function addEvent(touched: Touched, event: TouchingEvent): void {
  const { data } = event
  const organization = text(data.organization_id)
  const apiKey = text(data.api_key_id)
  // An event that names a key (every ApiKey* event, a key's own budget) changes that key only:
  // re-reading every key of its organization would cost one query per key for nothing.
  if (apiKey) touched.apiKeys.add(apiKey)
  else if (organization) touched.organizations.add(organization)
  const hash = text(data.key_hash)
  if (hash) touched.keyHashes.add(hash)
  if (event.stream.startsWith('model-')) touched.models.add(event.stream.slice('model-'.length))
  // A budget event that names only its budget: which keys it limits is in the read model, not
  // in the event, so every cached key is re-read (budget changes are rare; keys are few).
  if (event.type.startsWith('Budget') && !organization && !apiKey) touched.allKeys = true
}

export function touchedBy(events: readonly TouchingEvent[]): Touched {
  const touched = nothingTouched()
  for (const event of events) addEvent(touched, event)
  return touched
}

export const touchesKeys = (t: Touched): boolean =>
  t.allKeys || t.organizations.size > 0 || t.apiKeys.size > 0 || t.keyHashes.size > 0

export const touchesModels = (t: Touched): boolean => t.allModels || t.models.size > 0

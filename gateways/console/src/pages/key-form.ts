// The create-key form's fields as typed, turned into POST /admin/v1/api-keys' body. Pure: tested in
// tests/gateways/console/key-form.unit.test.ts. The API validates again; this only catches typos early.

export interface KeyFormFields {
  name: string
  rpm: string
  tpm: string
  /** Model names, separated by commas or spaces; empty: every model. */
  models: string
  /** `YYYY-MM-DD` from a date input; empty: never expires. */
  expires: string
}

export type KeyFormResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; field: keyof KeyFormFields; message: string }

function limit(text: string): number | null | undefined {
  if (text.trim() === '') return null
  const value = Number(text)
  return Number.isInteger(value) && value >= 1 ? value : undefined
}

export function keyBody(organizationId: string, fields: KeyFormFields, now: Date): KeyFormResult {
  const name = fields.name.trim()
  if (name === '') return { ok: false, field: 'name', message: 'Give the key a name.' }
  const rpm = limit(fields.rpm)
  if (rpm === undefined)
    return { ok: false, field: 'rpm', message: 'Requests per minute: a whole number, 1 or more.' }
  const tpm = limit(fields.tpm)
  if (tpm === undefined)
    return { ok: false, field: 'tpm', message: 'Tokens per minute: a whole number, 1 or more.' }
  const models = fields.models.split(/[\s,]+/).filter((model) => model !== '')
  let expires_at: string | null = null
  if (fields.expires !== '') {
    // The end of the chosen day, UTC: a key "expiring on" a day works through it.
    const end = Date.parse(`${fields.expires}T23:59:59Z`)
    if (Number.isNaN(end) || end <= now.getTime())
      return { ok: false, field: 'expires', message: 'The expiry must be a day from today on.' }
    expires_at = new Date(end).toISOString()
  }
  const body = {
    organization_id: organizationId,
    name,
    rpm_limit: rpm,
    tpm_limit: tpm,
    allowed_models: models.length > 0 ? [...new Set(models)] : null,
    expires_at,
  }
  return { ok: true, body }
}

// What the server tells the console at /console/config.json (gateways/http/console.ts).
export interface ConsoleConfig {
  /** The OIDC issuer, e.g. `http://127.0.0.1:8080/oauth2`; discovery is below it. */
  issuer: string
  client_id: string
  scope: string
  /** Where `/admin/v1…` and `/analytics/v1…` are (origins; the same in `aiaas dev`). */
  admin_url: string
  analytics_url: string
}

export async function loadConfig(base: string): Promise<ConsoleConfig> {
  const response = await fetch(`${base}config.json`, { cache: 'no-store' })
  if (!response.ok) throw new Error(`the console's configuration did not load (${response.status})`)
  return (await response.json()) as ConsoleConfig
}

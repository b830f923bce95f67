// A varied history made through the admin API, for the replay tests: organizations created,
// renamed, reconfigured, suspended and reactivated, closed; users, memberships added, changed and
// removed; keys issued, rotated and revoked; budgets set, changed and deleted (and the legacy
// monthly budget); models created, updated and deleted; service accounts created, rotated and
// revoked. `send` is the admin API however the test reaches it (app.inject or a real process).

type Method = 'POST' | 'PATCH' | 'PUT' | 'DELETE'
export type Send = (method: Method, path: string, body?: object) => Promise<{ status: number; body: unknown }>

type Made = { id: string }

const backend = (host: string) => ({
  url: `https://${host}.example.com/v1`,
  provider: 'openai-compatible',
  weight: 1,
  priority: 0,
  timeout_ms: 30_000,
  headers: {},
})

export async function makeAdminHistory(send: Send) {
  const call = async (method: Method, path: string, body?: object): Promise<Made> => {
    const answer = await send(method, path, body)
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`)
    return answer.body as Made
  }
  const [acme, globex, initech] = [
    await call('POST', '/organizations', { name: 'Acme' }),
    await call('POST', '/organizations', { name: 'Globex' }),
    await call('POST', '/organizations', { name: 'Initech' }),
  ]
  await call('PATCH', `/organizations/${acme.id}`, { name: 'Acme Corp', settings: { rpm_limit: 600 } })
  await call('POST', `/organizations/${globex.id}/suspend`, { reason: 'unpaid invoice' })
  await call('POST', `/organizations/${globex.id}/reactivate`)
  await call('POST', `/organizations/${initech.id}/close`)
  await call('PUT', `/organizations/${acme.id}/budget`, { monthly_limit_usd: 12.5 })

  const ada = await call('POST', '/users', { email: 'ada@replay.test', display_name: 'Ada' })
  const grace = await call('POST', '/users', {
    email: 'grace@replay.test',
    display_name: 'Grace',
    invite: true,
  })
  await call('PATCH', `/users/${ada.id}`, { display_name: 'Ada L.' })
  await call('PUT', `/organizations/${acme.id}/members/${ada.id}`, { roles: ['member'] })
  await call('PUT', `/organizations/${acme.id}/members/${ada.id}`, { roles: ['org_admin', 'analyst'] })
  await call('PUT', `/organizations/${globex.id}/members/${grace.id}`, { roles: ['auditor'] })
  await call('PUT', `/organizations/${acme.id}/members/${grace.id}`, { roles: ['member'] })
  await call('DELETE', `/organizations/${acme.id}/members/${grace.id}`)

  const key = await call('POST', '/api-keys', { organization_id: acme.id, name: 'ci' })
  const spare = await call('POST', '/api-keys', { organization_id: acme.id, name: 'spare' })
  await call('POST', '/api-keys', { organization_id: globex.id, name: 'globex' })
  await call('POST', `/api-keys/${key.id}/rotate`, { grace_seconds: 300 })
  await call('POST', `/api-keys/${spare.id}/revoke`)

  const daily = { organization_id: acme.id, limit_usd: '25.00', period: 'daily', enforcement: 'hard' }
  const budget = await call('POST', '/budgets', { ...daily, alert_thresholds: [0.5, 0.9] })
  await call('PATCH', `/budgets/${budget.id}`, { limit_usd: '30', enforcement: 'soft' })
  const keyBudget = await call('POST', '/budgets', { ...daily, api_key_id: key.id, period: 'total' })
  await call('DELETE', `/budgets/${keyBudget.id}`)

  for (const name of ['alpha', 'beta']) {
    const prices = { input_price_per_million_usd: '1.50', output_price_per_million_usd: '2' }
    await call('POST', '/models', {
      name,
      aliases: [`${name}-latest`],
      ...prices,
      max_output_tokens: 4096,
      backends: [backend(name)],
    })
  }
  await call('PATCH', '/models/alpha', { max_output_tokens: 8192 })
  await call('DELETE', '/models/beta')

  const robot = await call('POST', '/service-accounts', {
    organization_id: acme.id,
    name: 'robot',
    roles: ['member'],
  })
  const retired = await call('POST', '/service-accounts', {
    organization_id: globex.id,
    name: 'old',
    roles: ['auditor'],
  })
  await call('POST', `/service-accounts/${robot.id}/rotate-secret`)
  await call('POST', `/service-accounts/${retired.id}/revoke`)
  return { acme: acme.id, globex: globex.id, ada: ada.id, key: key.id, budget: budget.id }
}

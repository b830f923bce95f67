import { describe, expect, it } from 'vitest'
import { configPath } from '../../../../gateways/cli/admin/config-file.ts'
import { DEFAULT_ENDPOINT, isExpired, resolveSettings } from '../../../../gateways/cli/admin/settings.ts'

// Where the CLI finds endpoint and token: flags > environment > config file > default; a saved
// token only for the endpoint it was saved for.
describe('admin CLI settings', () => {
  const file = {
    endpoint: 'https://file.example',
    analytics_endpoint: 'https://analytics.file.example',
    client_id: 'file-client',
    token: { access_token: 'saved-token' },
  }

  it('takes a flag over the environment over the file', () => {
    const env = { AIAAS_ENDPOINT: 'https://env.example/', AIAAS_TOKEN: 'env-token' }
    const flagged = resolveSettings({ endpoint: 'https://flag.example', token: 'flag-token' }, env, file)
    expect(flagged.endpoint).toBe('https://flag.example')
    expect(flagged.token).toEqual({ kind: 'given', token: 'flag-token', from: 'flag' })
    const fromEnv = resolveSettings({}, env, file)
    expect(fromEnv.endpoint).toBe('https://env.example')
    expect(fromEnv.token).toEqual({ kind: 'given', token: 'env-token', from: 'environment' })
    const fromFile = resolveSettings({}, {}, file)
    expect(fromFile).toMatchObject({
      endpoint: 'https://file.example',
      analyticsEndpoint: 'https://analytics.file.example',
      issuer: 'https://file.example/oauth2',
      clientId: 'file-client',
      token: { kind: 'saved', token: { access_token: 'saved-token' } },
    })
  })

  it('never sends the saved token to another endpoint than the one it was saved for', () => {
    const other = resolveSettings({}, { AIAAS_ENDPOINT: 'https://other.example' }, file)
    expect(other.token).toEqual({ kind: 'none' })
    expect(other.analyticsEndpoint).toBe('https://other.example')
    expect(other.clientId).toBeUndefined()
  })

  it('defaults to make run’s address, analytics on the same endpoint, an empty value counting as unset', () => {
    const settings = resolveSettings({ endpoint: '' }, { AIAAS_TOKEN: '' }, {})
    expect(settings).toMatchObject({
      endpoint: DEFAULT_ENDPOINT,
      analyticsEndpoint: DEFAULT_ENDPOINT,
      token: { kind: 'none' },
    })
    const split = resolveSettings(
      { analyticsEndpoint: 'http://h:8082' },
      { AIAAS_ANALYTICS_ENDPOINT: 'http://x' },
      {},
    )
    expect(split.analyticsEndpoint).toBe('http://h:8082')
  })

  it('reads the client secret from the flag or the environment only', () => {
    expect(resolveSettings({}, { AIAAS_CLIENT_SECRET: 's' }, file).clientSecret).toBe('s')
    expect(resolveSettings({ clientSecret: 'f' }, { AIAAS_CLIENT_SECRET: 's' }, file).clientSecret).toBe('f')
  })

  it('counts a token as expired 30 s before its expiry', () => {
    const now = new Date('2026-11-27T10:00:00Z')
    expect(isExpired({ access_token: 't', expires_at: '2026-11-27T10:00:31Z' }, now)).toBe(false)
    expect(isExpired({ access_token: 't', expires_at: '2026-11-27T10:00:29Z' }, now)).toBe(true)
    expect(isExpired({ access_token: 't' }, now)).toBe(false)
  })

  it('finds the config file at AIAAS_CLI_CONFIG, else under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ AIAAS_CLI_CONFIG: '/x/c.json', XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe(
      '/x/c.json',
    )
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/aiaas/config.json')
    expect(configPath({}, '/home/u')).toBe('/home/u/.config/aiaas/config.json')
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, configVariables, loadConfig } from '../../../infra/config/config.ts'

describe('configuration', () => {
  it('starts from documented defaults', () => {
    const config = loadConfig({})
    expect(config.PORT).toBe(8080)
    expect(config.AIAAS_DATA_DIR).toBe('./.data')
    expect(config.AIAAS_ECHO_INPUT_USD_PER_MTOK).toBeGreaterThan(0)
    expect(config.AIAAS_ADMIN_TOKEN).toBeUndefined()
  })

  it('refuses a bad value, naming the variable, the value and what is expected', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError)
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty": expected/)
    expect(() => loadConfig({ AIAAS_REDIS_URL: 'http://x' })).toThrow(
      /AIAAS_REDIS_URL="http:\/\/x": expected a redis:\/\/ URL/,
    )
    expect(() => loadConfig({ AIAAS_ADMIN_TOKEN: 'short' })).toThrow(/at least 16 characters/)
  })

  it('lists every variable in the README configuration table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    for (const name of Object.keys(configVariables)) expect(readme, name).toContain(`| \`${name}\` |`)
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseVegeta, vegetaTargets } from './vegeta.ts'

// Fixtures: `vegeta report -type=json` of vegeta v12.13.0 attacks on the peers' mock backend.
const captured = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

describe('parseVegeta', () => {
  it('reads percentiles in ms and answered 2xx per second over the attack and its wait', () => {
    expect(parseVegeta(captured('vegeta-1000.txt'), { ratePerS: 1000, seconds: 2 })).toEqual({
      requests: 2000,
      seconds: 1.999678279,
      requests_per_s: 1000.2,
      rate_per_s: 1000.3,
      p50_ms: 0.338,
      p99_ms: 1.064,
      errors: 0,
      not_sent: 0,
    })
  })

  it('counts answers that are not 2xx and socket failures (status 0) as errors', () => {
    const notFound = parseVegeta(captured('vegeta-404.txt'), { ratePerS: 200, seconds: 1 })
    expect(notFound).toMatchObject({ requests: 200, errors: 200, requests_per_s: 0 })
    const refused = parseVegeta(captured('vegeta-refused.txt'), { ratePerS: 100, seconds: 1 })
    expect(refused).toMatchObject({ requests: 100, errors: 100 })
  })

  it('counts the requests the schedule called for but vegeta never sent as errors too', () => {
    const figures = parseVegeta(captured('vegeta-1000.txt'), { ratePerS: 1000, seconds: 3 })
    expect(figures.not_sent).toBe(1000)
    expect(figures.errors).toBe(1000)
  })

  it('refuses a report without latencies', () => {
    expect(() => parseVegeta('{"requests":1}', { ratePerS: 1, seconds: 1 })).toThrow()
  })
})

describe('vegetaTargets', () => {
  it("writes one target in vegeta's http format, the body from a file", () => {
    const target = {
      url: 'http://127.0.0.1:1/v1/chat/completions',
      headers: { authorization: 'Bearer k' },
      body: '{}',
    }
    expect(vegetaTargets(target, '/tmp/body.json')).toBe(
      'POST http://127.0.0.1:1/v1/chat/completions\nauthorization: Bearer k\n@/tmp/body.json\n',
    )
  })
})

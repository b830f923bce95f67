import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseWrk, wrkArgs, wrkScript } from './wrk.ts'

// Fixtures: wrk 4.1.0's stdout with the script wrkScript wrote, against the peers' mock backend.
const captured = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

describe('parseWrk', () => {
  it("reads the script's summary line: requests/s over wrk's own duration, its latency percentiles in ms", () => {
    expect(parseWrk(captured('wrk-c8.txt'))).toEqual({
      requests: 83263,
      seconds: 2.099339,
      requests_per_s: 39661.5,
      p50_ms: 0.187,
      p99_ms: 2.685,
      errors: 0,
    })
    expect(parseWrk(captured('wrk-c1.txt'))).toMatchObject({ requests: 8472, p50_ms: 0.104, p99_ms: 1.402 })
  })

  it('counts every answer that was not 2xx as an error, and none of them as throughput', () => {
    const figures = parseWrk(captured('wrk-404.txt'))
    expect(figures.errors).toBe(26335)
    expect(figures.errors).toBe(figures.requests)
    expect(figures.requests_per_s).toBe(0)
  })

  it('fails on output without the summary line (a script wrk could not load sends GETs instead)', () => {
    expect(() => parseWrk(captured('wrk-script-error.txt'))).toThrow(/no summary line/)
  })
})

describe('wrkScript', () => {
  const target = {
    url: 'http://127.0.0.1:1/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: '{"messages":[["a"]]}',
  }

  it('quotes a body holding "]]" in a long string it cannot close early', () => {
    const script = wrkScript(target)
    expect(script).toContain('wrk.body = [=[{"messages":[["a"]]}]=]')
    expect(script).toContain('wrk.headers[ [[authorization]] ] = [[Bearer k]]')
    expect(script).toContain('wrk.method = "POST"')
  })

  it('prints the summary line parseWrk reads', () => {
    expect(wrkScript(target)).toContain("io.write(string.format(\n    'WRK_JSON {")
  })
})

describe('wrkArgs', () => {
  it('runs no more threads than connections', () => {
    const args = wrkArgs({ url: 'http://x', connections: 1, seconds: 6, script: 's.lua', threads: 2 })
    expect(args).toEqual(['-t1', '-c1', '-d6s', '--timeout', '5s', '-s', 's.lua', 'http://x'])
    expect(wrkArgs({ url: 'http://x', connections: 32, seconds: 6, script: 's.lua', threads: 2 })[0]).toBe(
      '-t2',
    )
  })
})

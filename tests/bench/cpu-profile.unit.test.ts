import { describe, expect, it } from 'vitest'
import { type CpuProfile, summarize } from './cpu-profile.ts'

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber })

// root → handler (ours) → JSON.parse (runtime); root → (idle); root → tick (node:) → send (package)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
    { id: 2, callFrame: frame('handler', 'file:///repo/gateways/router/x.ts', 9), children: [3] },
    { id: 3, callFrame: frame('parse', '') },
    { id: 4, callFrame: frame('(idle)', '') },
    { id: 5, callFrame: frame('tick', 'node:internal/process/task_queues'), children: [6] },
    { id: 6, callFrame: frame('send', 'file:///repo/node_modules/fastify/lib/reply.js', 154) },
  ],
  samples: [3, 3, 2, 4, 4, 4, 6, 5],
  timeDeltas: [1000, 1000, 1000, 5000, 5000, 5000, 1000, 1000],
}

describe('a CPU profile summary', () => {
  const summary = summarize(profile, '/repo')

  it('leaves idle time out and counts self time per function', () => {
    expect(summary.busy_ms).toBe(5)
    expect(summary.self).toEqual([
      { frame: 'parse :1', percent: 40 },
      { frame: 'handler gateways/router/x.ts:10', percent: 20 },
      { frame: 'send fastify/lib/reply.js:155', percent: 20 },
      { frame: 'tick node:internal/process/task_queues:1', percent: 20 },
    ])
  })

  it('charges each sample to its outermost frame of the project or a package', () => {
    expect(summary.entry).toEqual([
      { frame: 'handler gateways/router/x.ts:10', percent: 60 },
      { frame: 'send fastify/lib/reply.js:155', percent: 20 },
      { frame: 'tick node:internal/process/task_queues:1 (runtime)', percent: 20 },
    ])
  })
})

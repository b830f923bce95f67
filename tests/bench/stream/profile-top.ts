import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

// The top entries of a V8 CPU profile (`node --cpu-prof`) by self time, as docs/benchmarks.md
// records them: function, file:line, self ms and share of the sampled time.
//
//   node tests/bench/stream/profile-top.ts <file.cpuprofile> [entries=25]

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, count = '25'] = process.argv.slice(2)
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [entries]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)?.callFrame
  const us = profile.timeDeltas[i] ?? 0
  total += us
  if (!frame || frame.functionName === '(idle)') return
  const where = frame.url
    ? `${relative(process.cwd(), frame.url.replace('file://', ''))}:${frame.lineNumber + 1}`
    : ''
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim()
  self.set(key, (self.get(key) ?? 0) + us)
})
const idle = [...profile.samples.entries()].reduce(
  (sum, [i, id]) =>
    sum + (byId.get(id)?.callFrame.functionName === '(idle)' ? (profile.timeDeltas[i] ?? 0) : 0),
  0,
)
const busy = total - idle
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled`)
for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(count)))
  console.log(
    `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${key}`,
  )

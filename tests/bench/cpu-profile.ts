// Reads a V8 CPU profile (`node --cpu-prof`) into the two lists docs/benchmarks.md keeps: where
// the time is spent (self time per function) and what it is spent for (each sample charged to the
// outermost frame of the project or a package, so `inference` holds everything it called).
// Idle and "(program)" samples are left out: percentages are of the busy time.

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[]
  samples: number[]
  timeDeltas: number[]
}

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

export interface ProfileEntry {
  frame: string
  percent: number
}

export interface ProfileSummary {
  busy_ms: number
  self: ProfileEntry[]
  entry: ProfileEntry[]
}

const IDLE = new Set(['(idle)', '(program)'])

/** `name path:line`, the path relative to the repository or to node_modules. */
export function frameName(frame: CallFrame, root: string): string {
  const url = frame.url.replace(/^.*node_modules\//, '').replace(`file://${root}/`, '')
  return `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`
}

const ownCode = (frame: CallFrame) => frame.url !== '' && !frame.url.startsWith('node:')

function top(times: Map<string, number>, busy: number, count: number): ProfileEntry[] {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, time]) => ({ frame, percent: Math.round((1000 * time) / busy) / 10 }))
}

export function summarize(profile: CpuProfile, root: string, count = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<string, number>()
  const entry = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    const time = profile.timeDeltas[i] ?? 0
    if (!frame || IDLE.has(frame.functionName)) return
    busy += time
    const name = frameName(frame, root)
    self.set(name, (self.get(name) ?? 0) + time)
    let outermost = ownCode(frame) ? frame : null
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const above = byId.get(up)?.callFrame
      if (above && ownCode(above)) outermost = above
    }
    const charged = outermost ? frameName(outermost, root) : `${name} (runtime)`
    entry.set(charged, (entry.get(charged) ?? 0) + time)
  })
  return { busy_ms: Math.round(busy / 1000), self: top(self, busy, count), entry: top(entry, busy, count) }
}

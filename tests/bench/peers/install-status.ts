// build/peers/status.txt, written by infra/bench/install-peers.sh: one line per tool,
// "<tool> ok <version>" or "<tool> failed <reason>". Pure.

export type ToolStatus = { ok: true; version: string } | { ok: false; reason: string }

export function parseStatus(text: string): Map<string, ToolStatus> {
  const tools = new Map<string, ToolStatus>()
  for (const line of text.split('\n')) {
    const match = /^(\S+) (ok|failed) ?(.*)$/.exec(line.trim())
    if (!match) continue
    const [, tool = '', verdict, rest = ''] = match
    tools.set(tool, verdict === 'ok' ? { ok: true, version: rest } : { ok: false, reason: rest || 'failed' })
  }
  return tools
}

/** Why a peer that needs `tool` cannot run, or null when it can. */
export function missing(tools: ReadonlyMap<string, ToolStatus>, tool: string | null): string | null {
  if (tool === null) return null
  const status = tools.get(tool)
  if (!status) return `${tool} was not installed (run bash infra/bench/install-peers.sh)`
  return status.ok ? null : `${tool} could not be installed: ${status.reason}`
}

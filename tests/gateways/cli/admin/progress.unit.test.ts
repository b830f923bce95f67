import { describe, expect, it } from 'vitest'
import {
  bar,
  humanBytes,
  progressReporter,
  renderProgressLine,
} from '../../../../gateways/cli/admin/progress.ts'

const at = (status: 'queued' | 'running' | 'done' | 'failed', rows = 0, bytes = 0) => ({
  id: 'job',
  status,
  rows,
  bytes,
  elapsedMs: 3_400,
})

describe('export progress', () => {
  it('moves a block along the track while the job runs, full when done', () => {
    expect(bar('running', 0)).toBe('=====               ')
    expect(bar('running', 3)).toBe('   =====            ')
    // Back from the end: frame 15 is the far end, 16 one step back.
    expect(bar('running', 15)).toBe('               =====')
    expect(bar('running', 16)).toBe('              ===== ')
    expect(bar('done', 7)).toBe('#'.repeat(20))
    for (let frame = 0; frame < 40; frame++) expect(bar('running', frame)).toHaveLength(20)
  })

  it('prints rows, size and seconds on the line', () => {
    expect(renderProgressLine(at('running', 12_345, 1536), 0)).toBe(
      'export job [=====               ] running 12,345 rows 1.5 KB 3s',
    )
    expect(humanBytes(512)).toBe('512 B')
    expect(humanBytes(5 * 1024 * 1024)).toBe('5.0 MB')
  })

  it('redraws one line on a terminal, and writes one line per status elsewhere', () => {
    const written: string[] = []
    const tty = progressReporter((text) => written.push(text), true)
    tty.update(at('queued'))
    tty.update(at('running', 10))
    tty.update(at('done', 20))
    tty.end()
    expect(written.slice(0, 3).every((text) => text.startsWith('\r') && !text.includes('\n'))).toBe(true)
    expect(written.at(-1)).toBe('\n')

    const plain: string[] = []
    const log = progressReporter((text) => plain.push(text), false)
    for (const step of [at('queued'), at('running', 1), at('running', 5), at('done', 9, 100)])
      log.update(step)
    log.end()
    expect(plain).toEqual([
      'export job: queued (0 rows, 0 bytes)\n',
      'export job: running (1 rows, 0 bytes)\n',
      'export job: done (9 rows, 100 bytes)\n',
    ])
  })
})

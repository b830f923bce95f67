// The export's progress on stderr. The API reports rows and bytes written but no total, so the
// bar is indeterminate (a block moving along a track) until the job is done; on a terminal it
// redraws one line, elsewhere (a CI log) one plain line per change of status.

export interface ExportProgress {
  id: string
  status: 'queued' | 'running' | 'done' | 'failed'
  rows: number
  bytes: number
  elapsedMs: number
}

const TRACK = 20
const BLOCK = 5

/** Bytes as people read them: 512 B, 1.5 KB, 12.0 MB. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** The bar of frame `frame`: full when done, empty when failed, a moving block otherwise. */
export function bar(status: ExportProgress['status'], frame: number): string {
  if (status === 'done') return '#'.repeat(TRACK)
  if (status === 'failed') return '-'.repeat(TRACK)
  const span = TRACK - BLOCK
  // Back and forth along the track: positions 0..span..0.
  const step = frame % (2 * span)
  const at = step <= span ? step : 2 * span - step
  return ' '.repeat(at) + '='.repeat(BLOCK) + ' '.repeat(span - at)
}

/** The terminal's line: `export <id> [  =====   ] running 1,200 rows 48.0 KB 3s`. */
export function renderProgressLine(progress: ExportProgress, frame: number): string {
  const seconds = Math.floor(progress.elapsedMs / 1000)
  return (
    `export ${progress.id} [${bar(progress.status, frame)}] ${progress.status.padEnd(7)} ` +
    `${progress.rows.toLocaleString('en-US')} rows ${humanBytes(progress.bytes)} ${seconds}s`
  )
}

/** A log's line, written when the status changes. */
export function renderProgressPlain(progress: ExportProgress): string {
  const counts = `${progress.rows} rows, ${progress.bytes} bytes`
  return `export ${progress.id}: ${progress.status} (${counts})\n`
}

/** Draws progress on a stream: in place on a TTY, a line per status elsewhere. */
export function progressReporter(write: (text: string) => void, tty: boolean) {
  let frame = 0
  let lastStatus: string | undefined
  return {
    update(progress: ExportProgress) {
      if (tty) {
        // \r back to the line's start, \x1b[K clears what a longer earlier line left.
        write(`\r${renderProgressLine(progress, frame)}\u001b[K`)
        frame += 1
      } else if (progress.status !== lastStatus) write(renderProgressPlain(progress))
      lastStatus = progress.status
    },
    end() {
      if (tty && lastStatus !== undefined) write('\n')
    },
  }
}

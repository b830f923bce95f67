import { describe, expect, it } from 'vitest'
import {
  type ExportJob,
  exportBody,
  isPending,
  pollDelayMs,
  progressText,
} from '../../../gateways/console/src/pages/export-jobs.ts'

const ORG = '0193c9a0-0000-7000-8000-000000000001'

const job = (over: Partial<ExportJob>): ExportJob => ({
  id: 'job',
  status: 'queued',
  params: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', granularity: 'hour', group_by: [] },
  rows_written: 0,
  bytes_written: 0,
  error: null,
  created_at: '2026-11-27T06:00:00Z',
  finished_at: null,
  ...over,
})

describe('the export form', () => {
  it('becomes the POST body with UTC instants', () => {
    const form = {
      from: '2026-11-01T00:00',
      to: '2026-11-08T00:00',
      granularity: 'hour' as const,
      group_by: ['model'],
    }
    expect(exportBody(ORG, form)).toEqual({
      ok: true,
      body: {
        organization_id: ORG,
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-08T00:00:00.000Z',
        granularity: 'hour',
        group_by: ['model'],
      },
    })
  })

  it('is refused before asking when the range is empty, reversed or too long for its granularity', () => {
    const base = { from: '2026-11-01T00:00', to: '2026-11-03T00:00', group_by: [] }
    expect(exportBody(ORG, { ...base, from: '', granularity: 'hour' })).toMatchObject({ ok: false })
    expect(exportBody(ORG, { ...base, from: '2026-11-04T00:00', granularity: 'hour' })).toMatchObject({
      ok: false,
      error: '"From" must be before "To"',
    })
    expect(exportBody(ORG, { ...base, granularity: 'minute' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('too long'),
    })
    expect(exportBody(ORG, { ...base, granularity: 'day' })).toMatchObject({ ok: true })
  })
})

describe('an export progress', () => {
  it('is said in words for each status', () => {
    expect(progressText(job({ status: 'queued' }))).toBe('Queued')
    expect(progressText(job({ status: 'running', rows_written: 1200, bytes_written: 57_344 }))).toBe(
      'Running: 1,200 rows (56 KB) so far',
    )
    expect(progressText(job({ status: 'done', rows_written: 3000, bytes_written: 100 }))).toBe(
      'Done: 3,000 rows (100 B)',
    )
    expect(progressText(job({ status: 'failed', error: 'object store unreachable' }))).toBe(
      'Failed: object store unreachable',
    )
  })

  it('is followed while queued or running, asking less often as it goes on', () => {
    expect(isPending({ status: 'queued' })).toBe(true)
    expect(isPending({ status: 'running' })).toBe(true)
    expect(isPending({ status: 'done' })).toBe(false)
    expect(isPending({ status: 'failed' })).toBe(false)
    expect([0, 1, 2, 3, 10].map(pollDelayMs)).toEqual([1000, 2000, 4000, 5000, 5000])
  })
})

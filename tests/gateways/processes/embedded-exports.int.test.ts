import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CSV_HEADER } from '../../../projections/usage/exports/csv.ts'
import { parseCsv } from '../../projections/usage/exports/parse-csv.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'

// Embedded mode (`aiaas dev`) serves exports end to end: the worker runs the job into the data
// dir, and download_url is a link to this server, fetched without credentials, refused when
// altered and once past its expiry (AIAAS_EXPORT_URL_TTL_SECONDS=5 here).

const ORG = '0190a000-0000-7000-8000-0000000000e1'
let platform: Awaited<ReturnType<typeof startEmbedded>>
beforeAll(async () => {
  platform = await startEmbedded(() => ({ AIAAS_EXPORT_URL_TTL_SECONDS: '5' }))
})
afterAll(() => platform?.stop())

/** A JSON answer's string fields (the export and problem shapes are checked by the route tests). */
const fields = async (response: Response) => (await response.json()) as Record<string, string>
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }
const show = async (id: string) =>
  fields(await fetch(`${platform.base}/analytics/v1/exports/${id}?organization_id=${ORG}`, { headers: auth }))

describe('embedded exports', () => {
  it('runs a job and serves its CSV at a signed link that refuses alteration and expires', async () => {
    const created = await fetch(`${platform.base}/analytics/v1/exports`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        organization_id: ORG,
        from: '2026-11-25T00:00:00Z',
        to: '2026-11-26T00:00:00Z',
      }),
    })
    expect(created.status).toBe(202)
    const { id = '' } = await fields(created)
    await expect.poll(async () => (await show(id)).status, { timeout: 30_000, interval: 100 }).toBe('done')
    const { download_url: url = '' } = await show(id)
    expect(url.startsWith(`${platform.base}/exports/`)).toBe(true)

    const download = await fetch(url)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toContain('text/csv')
    expect(parseCsv(await download.text())).toEqual([[...CSV_HEADER]])

    const altered = await fetch(
      url.replace(/signature=./, (m: string) =>
        m.endsWith('A') ? `${m.slice(0, -1)}B` : `${m.slice(0, -1)}A`,
      ),
    )
    expect(altered.status).toBe(403)
    expect((await fields(altered)).code).toBe('PRESIGNED_URL_INVALID')
    await expect.poll(async () => (await fetch(url)).status, { timeout: 30_000, interval: 250 }).toBe(403)
    expect((await fields(await fetch(url))).code).toBe('PRESIGNED_URL_EXPIRED')
  })
})

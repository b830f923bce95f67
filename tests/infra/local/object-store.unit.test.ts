import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import { createLocalObjectStore, verifyPresignedUrl } from '../../../infra/local/object-store.ts'
import { objectStoreContract } from '../contracts/object-store.contract.ts'

const signingKey = 'test-signing-key-of-at-least-32-bytes!'

// A fake clock: presigned URL expiry is tested by moving it, not by waiting.
function clock() {
  let ms = Date.UTC(2026, 0, 1)
  return { now: () => ms, advance: (seconds: number) => (ms += seconds * 1000) }
}

objectStoreContract('local directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-objects-'))
  const time = clock()
  const store = createLocalObjectStore({ dir, signingKey, now: time.now, baseUrl: 'http://127.0.0.1:8080' })
  return {
    store,
    // What the dev server's download route does: verify the link, then read the key it grants.
    async fetchPresigned(url) {
      try {
        return await store.get(verifyPresignedUrl({ signingKey, now: time.now }, url))
      } catch (error) {
        if (isAppError(error) && error.code.startsWith('PRESIGNED_URL_')) return null
        throw error
      }
    },
    async elapse(seconds) {
      time.advance(seconds)
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
})

describe('local object store', () => {
  it('tells an expired link from a forged one', async () => {
    const time = clock()
    const store = createLocalObjectStore({ dir: '/nonexistent', signingKey, now: time.now })
    const url = await store.presignGet('exports/a.csv', 60)
    expect(url).toMatch(/^\/exports\/exports\/a\.csv\?expires=\d+&signature=[\w-]+$/)

    expect(verifyPresignedUrl({ signingKey, now: time.now }, url)).toBe('exports/a.csv')
    const forged = () => verifyPresignedUrl({ signingKey: `${signingKey}x`, now: time.now }, url)
    expect(forged).toThrow(expect.objectContaining({ code: 'PRESIGNED_URL_INVALID' }))
    time.advance(60)
    expect(() => verifyPresignedUrl({ signingKey, now: time.now }, url)).toThrow(
      expect.objectContaining({ code: 'PRESIGNED_URL_EXPIRED' }),
    )
  })

  it('refuses a short signing key', () => {
    expect(() => createLocalObjectStore({ dir: '/nonexistent', signingKey: 'short' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
  })

  it('reports a key that clashes with an existing shorter key as OBJECT_KEY_CONFLICT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiaas-objects-'))
    const store = createLocalObjectStore({ dir, signingKey })
    await store.put('a', 'file', 'text/plain')

    const error = await store.put('a/b', 'nested', 'text/plain').catch((e: unknown) => e)

    expect(isAppError(error) && error.code).toBe('OBJECT_KEY_CONFLICT')
    await rm(dir, { recursive: true, force: true })
  })
})

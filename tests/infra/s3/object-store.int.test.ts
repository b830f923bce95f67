import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import {
  createS3ObjectStore,
  type S3ObjectStoreOptions,
  s3OptionsOf,
} from '../../../infra/s3/object-store.ts'
import { objectStoreContract } from '../contracts/object-store.contract.ts'

// Runs against the real S3 server of `make services` (versitygw, infra/services/s3.sh).
const config = loadConfig()
const options: S3ObjectStoreOptions = s3OptionsOf(config)

objectStoreContract('S3 (versitygw)', async () => ({
  store: createS3ObjectStore(options),
  // Plain fetch, no SDK and no credentials: what an analyst's browser does with the link.
  async fetchPresigned(url) {
    const response = await fetch(url)
    if (response.ok) return Buffer.from(await response.arrayBuffer())
    expect(response.status).toBe(403)
    return null
  },
  // SigV4 expiry is checked by the server's clock, in whole seconds: only a real wait will do.
  elapse: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 500)),
}))

describe('S3 object store faults', () => {
  it('rejects with OBJECT_STORE_UNAVAILABLE in bounded time when nothing listens', async () => {
    const store = createS3ObjectStore({ ...options, endpoint: 'http://127.0.0.1:1' })
    const started = Date.now()

    const errors = await Promise.all([
      store.put('fault/x.txt', 'x', 'text/plain').catch((e: unknown) => e),
      store.get('fault/x.txt').catch((e: unknown) => e),
    ])

    for (const error of errors) expect(isAppError(error) && error.code).toBe('OBJECT_STORE_UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(15_000)
    await store.close()
  })

  it('rejects with OBJECT_STORE_REJECTED when the credentials are wrong', async () => {
    const store = createS3ObjectStore({ ...options, secretAccessKey: 'not-the-secret-key' })

    const error = await store.get('fault/x.txt').catch((e: unknown) => e)

    expect(isAppError(error) && error.code).toBe('OBJECT_STORE_REJECTED')
    await store.close()
  })
})

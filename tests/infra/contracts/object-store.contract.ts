import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import type { ObjectStore } from '../../../infra/ports/object-store.ts'

// The behaviour every ObjectStore adapter owes its callers (STYLE.md §9). Run by
// tests/infra/s3/object-store.int.test.ts (real S3 server) and
// tests/infra/local/object-store.unit.test.ts (temp directory).

export interface ObjectStoreHarness {
  store: ObjectStore
  /** Follows a presigned URL as an anonymous client would: the body, or null when refused. */
  fetchPresigned(url: string): Promise<Buffer | null>
  /** Lets `seconds` pass for presigned URLs: a real wait for a server, a clock move for a fake one. */
  elapse(seconds: number): Promise<void>
  cleanup?(): Promise<void>
}

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  return isAppError(error) ? error.code : undefined
}

export function objectStoreContract(name: string, setup: () => Promise<ObjectStoreHarness>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let h: ObjectStoreHarness
    // A fresh prefix per run: the S3 bucket is shared with other tests and earlier runs.
    const prefix = `contract/${randomUUID()}`

    beforeAll(async () => {
      h = await setup()
    })
    afterAll(async () => {
      await h.store.close()
      await h.cleanup?.()
    })

    it('returns the bytes that were put, for Buffer and string bodies', async () => {
      const binary = Buffer.from([0, 1, 2, 253, 254, 255])
      await h.store.put(`${prefix}/binary.bin`, binary, 'application/octet-stream')
      await h.store.put(`${prefix}/text.csv`, 'a,b\n1,é\n', 'text/csv; charset=utf-8')

      expect(await h.store.get(`${prefix}/binary.bin`)).toEqual(binary)
      expect((await h.store.get(`${prefix}/text.csv`))?.toString('utf8')).toBe('a,b\n1,é\n')
    })

    it('putStream stores a multi-part stream whole (larger than one 5 MiB S3 part)', async () => {
      // 6 MiB + a tail, in 64 KiB chunks of distinct bytes: S3 needs two parts, and a part sent
      // twice or out of order would change the bytes read back.
      const chunk = (i: number) => Buffer.alloc(65_536, i % 251)
      async function* body() {
        for (let i = 0; i < 96; i++) yield chunk(i)
        yield 'tail é'
      }
      await h.store.putStream(`${prefix}/streamed.csv`, body(), 'text/csv; charset=utf-8')

      const expected = Buffer.concat([
        ...Array.from({ length: 96 }, (_, i) => chunk(i)),
        Buffer.from('tail é'),
      ])
      const stored = await h.store.get(`${prefix}/streamed.csv`)
      expect(stored?.length).toBe(expected.length)
      expect(stored?.equals(expected)).toBe(true)
    })

    it('putStream leaves no object when the stream fails', async () => {
      async function* failing() {
        yield 'partial,'
        throw new Error('source failed')
      }
      await expect(h.store.putStream(`${prefix}/failed.csv`, failing(), 'text/csv')).rejects.toThrow()

      expect(await h.store.get(`${prefix}/failed.csv`)).toBeNull()
    })

    it('lists the keys under a prefix in byte order, nested ones included, and none under an unused one', async () => {
      const keys = ['b.jws', 'a.jws', 'nested/c.json', 'a.jws.bak'].map((k) => `${prefix}/listed/${k}`)
      for (const key of keys) await h.store.put(key, 'x', 'text/plain')
      await h.store.put(`${prefix}/listed-not/d.jws`, 'x', 'text/plain')

      expect(await h.store.list(`${prefix}/listed/`)).toEqual(
        [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
      )
      expect(await h.store.list(`${prefix}/never-written/`)).toEqual([])
    })

    it('replaces an object put twice under one key', async () => {
      await h.store.put(`${prefix}/replaced.txt`, 'first', 'text/plain')
      await h.store.put(`${prefix}/replaced.txt`, 'second', 'text/plain')

      expect((await h.store.get(`${prefix}/replaced.txt`))?.toString()).toBe('second')
    })

    it('returns null for a key with no object, including a prefix of other keys', async () => {
      await h.store.put(`${prefix}/dir/leaf.txt`, 'leaf', 'text/plain')

      expect(await h.store.get(`${prefix}/missing.txt`)).toBeNull()
      expect(await h.store.get(`${prefix}/dir`)).toBeNull()
    })

    it('stores an empty object', async () => {
      await h.store.put(`${prefix}/empty.txt`, '', 'text/plain')

      expect(await h.store.get(`${prefix}/empty.txt`)).toEqual(Buffer.alloc(0))
    })

    it.each(['', '/absolute', '../escape', 'a/../b', 'a//b', '.hidden', 'sp ace', 'a/b/'])(
      'refuses the key %j with OBJECT_KEY_INVALID',
      async (key) => {
        expect(await codeOf(h.store.put(key, 'x', 'text/plain'))).toBe('OBJECT_KEY_INVALID')
        expect(await codeOf(h.store.get(key))).toBe('OBJECT_KEY_INVALID')
        expect(await codeOf(h.store.presignGet(key, 60))).toBe('OBJECT_KEY_INVALID')
      },
    )

    it.each([0, -1, 1.5, 604_801])('refuses a presign expiry of %j seconds', async (seconds) => {
      expect(await codeOf(h.store.presignGet(`${prefix}/x.txt`, seconds))).toBe('PRESIGN_EXPIRY_INVALID')
    })

    it('gives a presigned URL that returns the body without credentials', async () => {
      await h.store.put(`${prefix}/export.csv`, 'id,cost\n1,0.5\n', 'text/csv')

      const url = await h.store.presignGet(`${prefix}/export.csv`, 300)

      expect((await h.fetchPresigned(url))?.toString()).toBe('id,cost\n1,0.5\n')
    })

    it('refuses a presigned URL whose signature or key was altered', async () => {
      await h.store.put(`${prefix}/secret.csv`, 'secret', 'text/csv')
      await h.store.put(`${prefix}/other.csv`, 'other', 'text/csv')
      const url = await h.store.presignGet(`${prefix}/secret.csv`, 300)

      const signature = /([?&](?:X-Amz-Signature|signature)=)([^&]+)/.exec(url)
      expect(signature).not.toBeNull()
      const [whole = '', name = '', value = ''] = signature ?? []
      const flipped = `${value.startsWith('a') ? 'b' : 'a'}${value.slice(1)}`
      expect(await h.fetchPresigned(url.replace(whole, `${name}${flipped}`))).toBeNull()
      expect(await h.fetchPresigned(url.replace('/secret.csv', '/other.csv'))).toBeNull()
    })

    it('refuses a presigned URL after it expires', async () => {
      await h.store.put(`${prefix}/expiring.csv`, 'soon gone', 'text/csv')
      const url = await h.store.presignGet(`${prefix}/expiring.csv`, 1)

      await h.elapse(2)

      expect(await h.fetchPresigned(url)).toBeNull()
    })
  })
}

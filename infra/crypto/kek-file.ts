import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Keyring, newKeyringText, parseKeyring } from './keyring.ts'

const FILE = 'kek'

const alreadyExists = (error: unknown) => error instanceof Error && 'code' in error && error.code === 'EEXIST'

/** Where embedded mode keeps its generated key-encryption key. */
export const kekPath = (dataDir: string): string => join(dataDir, FILE)

/**
 * The key-encryption keys: AIAAS_KEK when set. Embedded mode without it generates one key on first
 * start into the data dir (mode 0600, never logged) and reads it back after; separate processes
 * without it have none, and only sealing or opening a secret fails.
 */
export async function resolveKeyring(
  kekText: string | undefined,
  dataDir: string,
  mode: 'embedded' | 'separate',
): Promise<Keyring | undefined> {
  if (kekText) return parseKeyring(kekText)
  if (mode === 'separate') return undefined
  await mkdir(dataDir, { recursive: true })
  const path = kekPath(dataDir)
  const fresh = newKeyringText(`local-${randomBytes(4).toString('hex')}`)
  try {
    // 'wx': a second start, or two processes on one data dir, keep the key that is there.
    await writeFile(path, `${fresh}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if (!alreadyExists(error)) throw error
  }
  return parseKeyring((await readFile(path, 'utf8')).trim())
}

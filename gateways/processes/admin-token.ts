import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import type { Config } from '../../infra/config/config.ts'

const FILE = 'admin-token'

/**
 * The platform-admin token: AIAAS_ADMIN_TOKEN when set. Embedded mode without it generates one on
 * first start, keeps it in the data dir (mode 0600) and says so once; separate processes require it.
 */
export async function resolveAdminToken(
  config: Config,
  mode: 'embedded' | 'separate',
  announce: (token: string, path: string) => void,
): Promise<string> {
  if (config.AIAAS_ADMIN_TOKEN) return config.AIAAS_ADMIN_TOKEN
  if (mode === 'separate') {
    throw new AppError('CONFIG_INVALID', 'AIAAS_ADMIN_TOKEN is required when the processes run separately')
  }
  const path = adminTokenPath(config)
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch {
    await mkdir(config.AIAAS_DATA_DIR, { recursive: true })
    const token = `aiaas-admin-${randomBytes(24).toString('base64url')}`
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' })
    announce(token, path)
    return token
  }
}

/** Where embedded mode keeps a generated admin token. */
export function adminTokenPath(config: Config): string {
  return join(config.AIAAS_DATA_DIR, FILE)
}

/**
 * Says where the admin token comes from, on every start: a README reader with AIAAS_DATA_DIR set
 * otherwise looks in ./.data and finds nothing.
 */
export function whereIsTheAdminToken(config: Config): string {
  if (config.AIAAS_ADMIN_TOKEN) return 'admin token: the value of AIAAS_ADMIN_TOKEN'
  return `admin token: in ${resolve(adminTokenPath(config))}`
}

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { CliError, EXIT } from './exit-codes.ts'

// The CLI's own file: where `aiaas login` keeps the endpoint and the token it got. It holds a
// bearer token, so it is written 0600 (and its directory 0700) like other tools' credential
// files; the client secret is never written to it.

const savedToken = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** RFC 3339; absent: the server gave no expiry. */
  expires_at: z.string().optional(),
  refresh_token: z.string().optional(),
})

export const cliFileSchema = z
  .object({
    endpoint: z.string().optional(),
    analytics_endpoint: z.string().optional(),
    issuer: z.string().optional(),
    client_id: z.string().optional(),
    token: savedToken.optional(),
  })
  .loose()

export type CliFile = z.infer<typeof cliFileSchema>
export type SavedToken = z.infer<typeof savedToken>

type Env = Readonly<Record<string, string | undefined>>

/** AIAAS_CLI_CONFIG, else $XDG_CONFIG_HOME/aiaas/config.json, else ~/.config/aiaas/config.json. */
export function configPath(env: Env, home: string = homedir()): string {
  if (env.AIAAS_CLI_CONFIG) return env.AIAAS_CLI_CONFIG
  const base = env.XDG_CONFIG_HOME || join(home, '.config')
  return join(base, 'aiaas', 'config.json')
}

/** The file's settings; an absent file is empty settings, a malformed one an error naming it. */
export async function readCliFile(path: string): Promise<CliFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return {}
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CliError(EXIT.usage, `${path} is not JSON`)
  }
  const result = cliFileSchema.safeParse(parsed)
  if (!result.success) throw new CliError(EXIT.usage, `${path}: ${result.error.issues[0]?.message}`)
  return result.data
}

/** Writes the file whole, mode 0600, through a rename so a reader never sees half of it. */
export async function writeCliFile(path: string, file: CliFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
  // writeFile's mode applies only to a file it creates; chmod covers a leftover temporary file.
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}

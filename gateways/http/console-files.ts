import { readdir, readFile } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'

// The built console (build/console, `npm run build:console`), read once into memory: a few small
// files, and a request can only ever get one of them (no path is joined onto the disk from a URL).

export interface ConsoleFile {
  body: Buffer
  type: string
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** The build's files by URL path below /console (`/index.html`, `/assets/index-abc.js`); null: not built. */
export async function readConsoleBuild(dir: string): Promise<Map<string, ConsoleFile> | null> {
  let names: string[]
  try {
    names = await readdir(dir, { recursive: true })
  } catch {
    return null
  }
  const files = new Map<string, ConsoleFile>()
  for (const name of names) {
    const type = TYPES[extname(name)]
    if (!type) continue
    const path = join(dir, name)
    const body = await readFile(path).catch(() => null)
    if (body) files.set(`/${relative(dir, path).split(sep).join('/')}`, { body, type })
  }
  return files.has('/index.html') ? files : null
}

/** Hashed names (Vite's `index-<hash>.js`) never change content: cached for a year, immutable. */
export const isHashed = (path: string) => path.startsWith('/assets/')

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

// Headless Chromium for browser e2e tests: Debian's own chromium (installed by
// infra/services/services.sh), driven by playwright-core (ADR 0001). As root, Chromium's sandbox
// cannot start, so it runs without it; tests only ever open our own pages.

export const CHROMIUM = process.env.AIAAS_CHROMIUM ?? '/usr/bin/chromium'

export function launchBrowser(): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ['--no-sandbox'] : [] })
}

/** Screenshots for a person to look at after a run; the folder ignores itself in git. */
export const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url))

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true })
  await writeFile(join(ARTIFACTS, '.gitignore'), '*\n')
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

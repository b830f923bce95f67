import { readFileSync } from 'node:fs'

// The event store's statements live in ./sql, one per file (STYLE.md §7); each module reads the
// ones it runs once, when it is loaded.
const dir = new URL('./sql/', import.meta.url)

export const sqlFile = (name: string): string => readFileSync(new URL(`${name}.sql`, dir), 'utf8')

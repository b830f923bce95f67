// Hash routes (`#/usage?bucket=hour`): the console is one static page, so a route never reaches
// the server and a reload keeps the page. Pure: tested in tests/gateways/console/routing.unit.test.ts.

export interface Route {
  /** `/keys`; `/` when the hash is empty. */
  path: string
  params: URLSearchParams
}

/** A route's hash starts `#/`; an empty hash is the home page; anything else is an in-page anchor. */
export const isRoute = (hash: string) => hash === '' || hash === '#' || hash.startsWith('#/')

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#/, '')
  const [rawPath = '', query = ''] = splitOnce(body, '?')
  const path = `/${rawPath.replace(/^\/+/, '').replace(/\/+$/, '')}`
  return { path, params: new URLSearchParams(query) }
}

/** The hash of a route, with its params (empty ones dropped) in a stable order. */
export function routeHash(path: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (value !== undefined && value !== '') query.set(key, value)
  }
  const text = query.toString()
  return `#${path}${text ? `?${text}` : ''}`
}

/** The page whose path is the route's; the first page for `/`; undefined: no such page. */
export function findPage<P extends { path: string }>(pages: readonly P[], path: string): P | undefined {
  if (path === '/') return pages[0]
  return pages.find((page) => page.path === path)
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator)
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)]
}

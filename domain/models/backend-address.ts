// Which model backend URLs the catalogue accepts. A backend URL is fetched by the router with its
// provider credentials, so a URL pointing at the cloud metadata service or an internal address is
// server-side request forgery. Pure: decided from the URL text; a host name is judged by its name
// only (DNS is not resolved here, docs/adr/0010).
export const ADDRESS_CLASSES = ['loopback', 'private', 'link-local'] as const
export type AddressClass = (typeof ADDRESS_CLASSES)[number]
export type HostClass = AddressClass | 'public' | 'metadata'

/** AIAAS_BACKEND_ALLOWED_ADDRESSES: comma-separated classes; the config schema checks each name. */
export const parseAddressClasses = (text: string): string[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')

// Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS ECS, Alibaba, Azure wireserver,
// AWS over IPv6): never allowed, whatever the setting.
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '168.63.129.16'])
const METADATA_V6 = [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')

function ipv4Octets(host: string): number[] | null {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null
  const octets = parts.map(Number)
  return octets.every((o) => o <= 255) ? octets : null
}

function classifyIpv4([a = 0, b = 0, c = 0, d = 0]: readonly number[]): HostClass {
  if (METADATA.has(`${a}.${b}.${c}.${d}`)) return 'metadata'
  // 0.0.0.0/8 reaches the host itself on Linux.
  if (a === 127 || a === 0) return 'loopback'
  if (a === 169 && b === 254) return 'link-local'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private'
  if (a === 100 && b >= 64 && b <= 127) return 'private'
  return 'public'
}

/** The eight 16-bit groups of an IPv6 address as the URL parser writes it (compressed, no dots). */
function ipv6Groups(host: string): number[] | null {
  const halves = host.split('::')
  if (halves.length > 2) return null
  const split = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : [])
  const head = split(halves[0])
  const tail = split(halves[1])
  const missing = 8 - head.length - tail.length
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail]
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null
}

function classifyIpv6(g: readonly number[]): HostClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g
  if (g.join(':') === METADATA_V6) return 'metadata'
  const v4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
  const leadingZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0
  if (leadingZero && g5 === 0 && g6 === 0 && g7 <= 1) return 'loopback' // :: and ::1
  // IPv4-mapped, IPv4-compatible and NAT64 addresses reach the IPv4 address inside them.
  if (leadingZero && (g5 === 0xffff || g5 === 0)) return classifyIpv4(v4)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(v4)
  if ((g0 & 0xfe00) === 0xfc00) return 'private'
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'
  return 'public'
}

/** The class of a WHATWG URL hostname (IPv4 already normalised, IPv6 in brackets). */
export function classifyHost(hostname: string): HostClass {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = ipv6Groups(host.slice(1, -1))
    return groups ? classifyIpv6(groups) : 'metadata'
  }
  const octets = ipv4Octets(host)
  return octets ? classifyIpv4(octets) : 'public'
}

/** Why a backend URL is not acceptable as such (scheme, credentials), or null. */
export function backendUrlProblem(text: string): string | null {
  if (!URL.canParse(text)) return 'not a URL'
  const url = new URL(text)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs'
  if (url.username !== '' || url.password !== '') return 'no credentials in the URL (use api_key)'
  return null
}

/** The address class that makes the URL's host refused under `allowed`, or null when allowed. */
export function refusedAddress(text: string, allowed: readonly AddressClass[]): HostClass | null {
  const kind = classifyHost(new URL(text).hostname)
  if (kind === 'public') return null
  if (kind !== 'metadata' && allowed.includes(kind)) return null
  return kind
}

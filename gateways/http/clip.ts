// What a client sent is echoed in error bodies and log lines only clipped: a 3 MB `model` string
// must not become a 3 MB response or log line. One helper, so every echo has the same bound.
export const ECHO_MAX_CHARS = 200

/** `value` as is when short, else its first `max` code points and "…". */
export function clip(value: string, max = ECHO_MAX_CHARS): string {
  if (value.length <= max) return value
  // Counted by code point, so a cut never leaves half a surrogate pair.
  let end = 0
  for (let count = 0; count < max && end < value.length; count++) {
    end += (value.codePointAt(end) ?? 0) > 0xffff ? 2 : 1
  }
  return end >= value.length ? value : `${value.slice(0, end)}…`
}

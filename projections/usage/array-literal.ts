// A column of a bulk statement as ONE PostgreSQL array literal, built here rather than by the
// driver: node-postgres serializes a JS array element by element (a value conversion and two regex
// replaces each), which cost ingest ~14 ms of a 2,000-event batch in a profile, while the
// database sat idle. Strings are always quoted (a model name may hold commas, braces or quotes);
// numbers and booleans are written as JavaScript prints them, which PostgreSQL's input functions
// read back exactly (float8 reads the shortest round-trip form); null is NULL.

const SPECIAL = /["\\]/

function element(value: string | number | boolean | null): string {
  if (value === null) return 'NULL'
  if (typeof value !== 'string') return String(value)
  return SPECIAL.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`
}

/** `{"a","b\"c",1,NULL}`: a one-dimensional array literal of the values, for a `$n::type[]` parameter. */
export function arrayLiteral(values: readonly (string | number | boolean | null)[]): string {
  let literal = '{'
  for (let i = 0; i < values.length; i++) literal += (i === 0 ? '' : ',') + element(values[i] ?? null)
  return `${literal}}`
}

/** A JSON object (not null, not an array): what the API's answers and the CLI's files are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

import type { Writable } from 'node:stream'

// Writes a relayed stream straight to the client's response, without a Readable in between
// (Readable.from piped by fastify cost the first byte ~0.1 ms of stream machinery and its
// pipe's listeners ~7 KB per idle stream, docs/benchmarks.md "Time to first byte (S14)").

/** The headers of every stream the router relays, beside those the request set (ids, limits). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const

/** What the writer uses of a ServerResponse. */
export interface SseResponse extends Writable {
  setHeader(name: string, value: number | string | readonly string[]): unknown
  writeHead(status: number): unknown
}

/** Until the client has taken what was written (drain), or has gone (close). */
function drained(response: SseResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done)
      response.off('close', done)
      resolve()
    }
    response.on('drain', done)
    response.on('close', done)
  })
}

/**
 * Writes a 200 with `headers` and each chunk as it comes. The status line and headers leave with
 * the first chunk, in one socket write (node sends stored headers with the first body write).
 * A client that reads slowly is waited for (the response's buffer is never more than what one
 * chunk adds to it), so a stream is not read from its backend faster than its client reads.
 * Resolves once the last chunk was written, or as soon as the client has gone; the caller ends
 * the response.
 */
export async function writeChunks(
  response: SseResponse,
  headers: Record<string, number | string | readonly string[] | undefined>,
  chunks: AsyncIterator<string>,
  onWrite: () => void,
): Promise<void> {
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) response.setHeader(name, value)
  response.writeHead(200)
  try {
    while (!response.destroyed) {
      const next = await chunks.next()
      if (next.done || response.destroyed) return
      onWrite()
      if (!response.write(next.value)) await drained(response)
    }
  } finally {
    // A client that left stops the chunks where they are.
    await chunks.return?.(undefined)
  }
}

import { useEffect, useState } from 'preact/hooks'
import type { Loaded } from './use-load.ts'

/**
 * The last data `loaded` held: while a page loads again after its own change, what it showed stays
 * on screen (with the forms and messages in it) instead of giving way to "Loading…".
 */
export function useLatest<T>(loaded: Loaded<T>): T | null {
  const [latest, setLatest] = useState<T | null>(loaded.state === 'ready' ? loaded.data : null)
  useEffect(() => {
    if (loaded.state === 'ready') setLatest(loaded.data)
  }, [loaded])
  return loaded.state === 'ready' ? loaded.data : latest
}

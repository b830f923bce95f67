import { useCallback, useEffect, useState } from 'preact/hooks'

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: unknown }
  | { state: 'ready'; data: T }

/** Loads `load()` whenever `keys` change; `reload` loads again (after a change the page made). */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]) {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  const [round, setRound] = useState(0)
  useEffect(() => {
    let live = true
    setLoaded({ state: 'loading' })
    load().then(
      (data) => live && setLoaded({ state: 'ready', data }),
      (error: unknown) => live && setLoaded({ state: 'error', error }),
    )
    return () => {
      live = false
    }
  }, [...keys, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  return { loaded, reload }
}

import { useEffect, useState } from 'preact/hooks'
import { isRoute, parseHash, type Route } from '../routing.ts'

/** The current hash route, following the browser's back/forward and links. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(isRoute(location.hash) ? location.hash : ''))
  useEffect(() => {
    // `#main` (the skip link) is an in-page anchor, not a route: the page stays.
    const follow = () => {
      if (isRoute(location.hash)) setRoute(parseHash(location.hash))
    }
    addEventListener('hashchange', follow)
    return () => removeEventListener('hashchange', follow)
  }, [])
  return route
}

import { describe, expect, it } from 'vitest'
import { findPage, isRoute, parseHash, routeHash } from '../../../gateways/console/src/routing.ts'

describe('hash routing', () => {
  it('reads the path and the params of a hash', () => {
    const route = parseHash('#/usage?bucket=hour&group=model')
    expect(route.path).toBe('/usage')
    expect(Object.fromEntries(route.params)).toEqual({ bucket: 'hour', group: 'model' })
    expect(parseHash('').path).toBe('/')
    expect(parseHash('#/keys/').path).toBe('/keys')
  })

  it('writes a hash with its params in a stable order, empty ones left out', () => {
    expect(routeHash('/usage', { group: 'model', bucket: 'day', cursor: '' })).toBe(
      '#/usage?bucket=day&group=model',
    )
    expect(routeHash('/keys')).toBe('#/keys')
    expect(parseHash(routeHash('/usage', { group: 'a b&c' })).params.get('group')).toBe('a b&c')
  })

  it('tells a route from the skip link’s in-page anchor', () => {
    expect([isRoute('#/keys'), isRoute(''), isRoute('#main')]).toEqual([true, true, false])
  })

  it('finds the page of a path, the first for the home page, none for an unknown one', () => {
    const pages = [{ path: '/keys' }, { path: '/usage' }]
    expect(findPage(pages, '/usage')).toBe(pages[1])
    expect(findPage(pages, '/')).toBe(pages[0])
    expect(findPage(pages, '/nope')).toBeUndefined()
  })
})

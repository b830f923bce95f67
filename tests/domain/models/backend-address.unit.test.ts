import { describe, expect, it } from 'vitest'
import { backendUrlProblem, classifyHost, refusedAddress } from '../../../domain/models/backend-address.ts'
import { canonicalPrice } from '../../../domain/models/price.ts'

const hostOf = (url: string) => new URL(url).hostname

describe('backend addresses', () => {
  it.each([
    ['http://169.254.169.254/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    // Other spellings of the metadata address, as the URL parser normalises them.
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://2852039166/', 'metadata'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
    ['http://127.0.0.1:8000/', 'loopback'],
    ['http://0.0.0.0/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://LOCALHOST./', 'loopback'],
    ['http://api.localhost/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://172.32.0.1/', 'public'],
    ['http://192.168.1.1/', 'private'],
    ['http://100.64.0.1/', 'private'],
    ['http://[fc00::1]/', 'private'],
    ['http://[64:ff9b::a00:1]/', 'private'],
    ['http://169.254.10.10/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['https://api.openai.com/v1', 'public'],
    ['http://8.8.8.8/', 'public'],
    ['http://[2001:db8::1]/', 'public'],
  ])('%s is %s', (url, kind) => {
    expect(classifyHost(hostOf(url))).toBe(kind)
  })

  it('allows a class only when the allow-list names it, and metadata never', () => {
    expect(refusedAddress('http://10.0.0.1/', [])).toBe('private')
    expect(refusedAddress('http://10.0.0.1/', ['private'])).toBeNull()
    expect(refusedAddress('http://127.0.0.1/', ['private'])).toBe('loopback')
    expect(refusedAddress('http://169.254.169.254/', ['loopback', 'private', 'link-local'])).toBe('metadata')
    expect(refusedAddress('https://api.example.com/', [])).toBeNull()
  })

  it('takes http(s) URLs without credentials only', () => {
    expect(backendUrlProblem('https://api.example.com/v1')).toBeNull()
    expect(backendUrlProblem('ftp://api.example.com/')).toMatch(/http/)
    expect(backendUrlProblem('http://u:p@api.example.com/')).toMatch(/credentials/)
    expect(backendUrlProblem('http://u@api.example.com/')).toMatch(/credentials/)
    expect(backendUrlProblem('not a url')).toBe('not a URL')
  })
})

describe('prices', () => {
  it('canonicalises decimal strings and numbers, refusing what is not a price', () => {
    expect(canonicalPrice('2.50')).toBe('2.5')
    expect(canonicalPrice(2.5)).toBe('2.5')
    expect(canonicalPrice('007')).toBe('7')
    expect(canonicalPrice('0')).toBe('0')
    expect(canonicalPrice('0.000000001')).toBe('0.000000001')
    expect(canonicalPrice('100000')).toBe('100000')
    expect(canonicalPrice('100000.01')).toBeNull()
    expect(canonicalPrice('-1')).toBeNull()
    expect(canonicalPrice('1e3')).toBeNull()
    expect(canonicalPrice(1e-10)).toBeNull()
    expect(canonicalPrice(Number.NaN)).toBeNull()
    expect(canonicalPrice('0.0000000001')).toBeNull()
  })
})

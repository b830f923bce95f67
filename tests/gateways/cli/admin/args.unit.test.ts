import { describe, expect, it } from 'vitest'
import { integer, limitOrNone, numbers, parseCommand } from '../../../../gateways/cli/admin/args.ts'
import { isRemoteAudit } from '../../../../gateways/cli/admin/audit.ts'
import { EXIT, UsageError } from '../../../../gateways/cli/admin/exit-codes.ts'

const options = {
  org: { type: 'string', about: 'org', required: true },
  all: { type: 'boolean', about: 'all' },
} as const

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run()
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  throw new Error('no usage error')
}

describe('admin CLI argument parsing', () => {
  it('reads the command’s flags, the global ones and its positionals', () => {
    const parsed = parseCommand(
      ['abc', '--org', 'o', '--all', '--json', '--endpoint', 'http://e'],
      options,
      ['<id>'],
      'u',
    )
    expect(parsed.positionals).toEqual(['abc'])
    expect(parsed.values).toMatchObject({ org: 'o', all: true })
    expect(parsed.global).toMatchObject({ json: true, endpoint: 'http://e', help: false })
  })

  it('refuses an unknown flag, a missing value, a required flag absent or a positional too many: exit 2 with the usage', () => {
    for (const argv of [['--org', 'o', '--bogus'], ['--org'], [], ['--org', 'o', 'extra', 'more']]) {
      const error = usageErrorOf(() => parseCommand(argv, options, ['<id>'], 'usage text'))
      expect(error.code).toBe(EXIT.usage)
      expect(error.usage).toBe('usage text')
    }
    expect(usageErrorOf(() => parseCommand(['x'], options, ['<id>'], 'u')).message).toBe('--org is required')
  })

  it('answers --help without checking the rest', () => {
    expect(parseCommand(['--help'], options, ['<id>'], 'u').global.help).toBe(true)
  })

  it('checks typed values, naming the flag', () => {
    expect(integer({ n: '12' }, 'n')).toBe(12)
    expect(usageErrorOf(() => integer({ n: '1.5' }, 'n')).message).toContain('--n')
    expect(limitOrNone({ n: 'none' }, 'n')).toBeNull()
    expect(numbers({ t: '0.5,0.8' }, 't')).toEqual([0.5, 0.8])
    expect(usageErrorOf(() => numbers({ t: '0.5,x' }, 't')).message).toContain('--t')
  })

  it('sends `audit export` and `audit verify --remote` to the API, keeps every other audit command local', () => {
    expect(isRemoteAudit(['export', '--org', 'x'])).toBe(true)
    expect(isRemoteAudit(['verify', '--remote'])).toBe(true)
    expect(isRemoteAudit(['verify'])).toBe(false)
    expect(isRemoteAudit(['anchor'])).toBe(false)
    expect(isRemoteAudit([])).toBe(false)
  })
})

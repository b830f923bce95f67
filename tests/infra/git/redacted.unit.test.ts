import { describe, expect, it } from 'vitest'
import { redacted } from '../../../infra/git/repository.ts'

// A repository URL may carry a token; what the reconciler reports and logs must not.
describe('redacted', () => {
  const source = 'https://reader:s3cret-token@git.example/tenants.git'

  it('drops the user and password of the source wherever the message repeats it', () => {
    const message = `git clone: Command failed: git clone --bare --quiet -- ${source} /work/x.git`
    expect(redacted(message, source)).toBe(
      'git clone: Command failed: git clone --bare --quiet -- https://git.example/tenants.git /work/x.git',
    )
    expect(redacted('auth failed for s3cret-token', source)).toBe('auth failed for [redacted]')
  })

  it('leaves a message about a path or a URL without credentials as it is', () => {
    expect(redacted('git clone: no such path /srv/tenants', '/srv/tenants')).toBe(
      'git clone: no such path /srv/tenants',
    )
    const plain = 'https://git.example/tenants.git'
    expect(redacted(`fatal: ${plain}`, plain)).toBe(`fatal: ${plain}`)
  })
})

import { argon2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ARGON2ID_PARAMS, hashPassword, needsRehash, verifyPassword } from '../../../infra/crypto/password.ts'

describe('password hashing (argon2id via node:crypto)', () => {
  it("computes RFC 9106's Argon2id test vector (§5.3)", () => {
    const tag = argon2Sync('argon2id', {
      message: Buffer.alloc(32, 0x01),
      nonce: Buffer.alloc(16, 0x02),
      secret: Buffer.alloc(8, 0x03),
      associatedData: Buffer.alloc(12, 0x04),
      memory: 32,
      passes: 3,
      parallelism: 4,
      tagLength: 32,
    })
    expect(tag.toString('hex')).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659')
  })

  it("verifies the reference implementation's PHC example, and refuses another password", async () => {
    // The reference C implementation (phc-winner-argon2): `echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e`.
    const phc = '$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo'
    expect(await verifyPassword('password', phc)).toBe(true)
    expect(await verifyPassword('passwore', phc)).toBe(false)
  })

  it("writes a PHC string with today's parameters and a fresh salt, and verifies it", async () => {
    const phc = await hashPassword('correct horse battery staple')
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(await verifyPassword('correct horse battery staple', phc)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', phc)).toBe(false)
    expect(await hashPassword('correct horse battery staple')).not.toBe(phc)
    expect(needsRehash(phc)).toBe(false)
  })

  it('verifies a hash made with other parameters, and says it needs a rehash', async () => {
    const older = await hashPassword('an older password', { memory: 8_192, passes: 1, parallelism: 1 })
    expect(await verifyPassword('an older password', older)).toBe(true)
    expect(needsRehash(older)).toBe(true)
    expect(ARGON2ID_PARAMS).toEqual({ memory: 19_456, passes: 2, parallelism: 1 })
  })

  it('compares passwords after NFKC normalization (NIST 800-63B)', async () => {
    const phc = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet')
    expect(await verifyPassword('cafe\u0301 au lait, s\u2019il vous pla\u00eet', phc)).toBe(true)
  })

  it('refuses a string that is not an argon2id PHC hash', async () => {
    await expect(verifyPassword('x', '$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$aGFzaA')).rejects.toThrow()
  })
})

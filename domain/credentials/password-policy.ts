import { AppError } from '../errors.ts'

// NIST SP 800-63B §5.1.1.2: a length floor and a generous ceiling, counted in Unicode code points
// after NFKC normalization, and no composition rules (they push people to predictable patterns).
// 12 rather than NIST's 8 because nothing else (no breached-password list yet) backs the floor.
export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 128

/** Refuses a password outside the length bounds (PASSWORD_INVALID); the text is never echoed. */
export function checkPasswordLength(password: string): void {
  const length = [...password.normalize('NFKC')].length
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new AppError(
      'PASSWORD_INVALID',
      `a password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      { min_length: PASSWORD_MIN_LENGTH, max_length: PASSWORD_MAX_LENGTH },
    )
  }
}

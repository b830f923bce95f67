import { AppError } from '../../../../domain/errors.ts'

/** A request this provider cannot honour: 400 VALIDATION_FAILED naming the field (`param`). */
export function refuse(param: string, reason: string): never {
  throw new AppError('VALIDATION_FAILED', `${param}: ${reason}`, { param })
}

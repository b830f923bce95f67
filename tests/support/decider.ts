import { expect } from 'vitest'
import type { Decider, DomainEvent } from '../../domain/decider.ts'
import { AppError } from '../../domain/errors.ts'

/** given(events).when(command).then(events) | .thenThrows(code) — STYLE.md §14. */
export function specFor<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (given: readonly E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState))
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the decider spec idiom (STYLE.md §14); never awaited
        then: (expected: readonly E[]) => expect(run()).toEqual(expected),
        thenThrows: (code: string) => {
          let thrown: unknown
          try {
            run()
          } catch (error) {
            thrown = error
          }
          expect(thrown).toBeInstanceOf(AppError)
          expect(thrown).toMatchObject({ code })
        },
      }
    },
  })
}

import type { SqlValue } from './Database'

/** Text with a NUL character: PostgreSQL's TEXT cannot hold one, so neither engine takes it (they must agree). */
export class UnstorableValueError extends Error {
  public constructor() {
    super('Text containing a NUL character (\\u0000) cannot be stored or looked up')
    this.name = 'UnstorableValueError'
  }
}

/** The statement's parameters, refused when one is text no engine may store. */
export function storable(params: readonly SqlValue[]): readonly SqlValue[] {
  for (const param of params) if (typeof param === 'string' && param.includes('\u0000')) throw new UnstorableValueError()
  return params
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStack, type Stack, type StackOptions } from '@interop-lab/scenarios/stack'

/** A whole stack on free ports with its own fresh SQLite files; `close` removes them. */
export async function startTestStack(options: Omit<StackOptions, 'dataDir'> = {}): Promise<Stack & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-lab-'))
  const stack = await startStack({ env: {}, ...options, dataDir })
  const stop = stack.close
  return Object.assign(stack, {
    dataDir,
    async close() {
      await stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  })
}

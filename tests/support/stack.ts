import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStack, type Stack } from '../../scenarios/stack'

/** A whole stack on free ports with its own fresh SQLite files; `close` removes them. */
export async function startTestStack(env: NodeJS.ProcessEnv = {}): Promise<Stack & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-lab-'))
  const stack = await startStack({ dataDir, env })
  return {
    ...stack,
    dataDir,
    async close() {
      await stack.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

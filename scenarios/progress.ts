/** A cell of the matrix: one variant of one scenario over one protocol and format. */
export interface CellName {
  scenarioId: string
  variantId: string
  protocol: string
  format: string
}

/** Where progress goes: a terminal gets a bar redrawn in place, anything else (a CI log, a pipe) plain lines. */
export interface ProgressOutput {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface Progress {
  /** How many cells will run (cells not run are not counted). */
  planned(total: number): void
  started(cell: CellName): void
  finished(cell: CellName): void
  /** A line to print as it is (a step line with --verbose): above the bar on a terminal. */
  log(line: string): void
  /** Clears the bar and says how many cells ran in how long. */
  end(): void
}

const BAR_WIDTH = 24
const nameOf = (cell: CellName) => `${cell.scenarioId} · ${cell.variantId} · ${cell.protocol} · ${cell.format}`
const keyOf = (cell: CellName) => `${cell.scenarioId}/${cell.variantId} ${cell.protocol} ${cell.format}`

/**
 * Cells done out of the total and the cell running now (the latest started, with how many others run beside it).
 * On a terminal, a bar rewritten on every change; elsewhere a plain line every `everyMs`, so a CI log shows the run
 * is alive without a line per step.
 */
export function consoleProgress(output: ProgressOutput, options: { everyMs?: number; now?: () => number } = {}): Progress {
  const now = options.now ?? (() => performance.now())
  const began = now()
  const running = new Map<string, CellName>()
  let total = 0
  let done = 0
  let shown = false
  let timer: NodeJS.Timeout | undefined

  const current = () => {
    const cells = [...running.values()]
    if (!cells.length) return ''
    return `${nameOf(cells.at(-1)!)}${cells.length > 1 ? ` (+${cells.length - 1} running)` : ''}`
  }
  const counted = () => `${done}/${total} cells`

  function bar(): string {
    const filled = total ? Math.round((done / total) * BAR_WIDTH) : 0
    const line = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${counted()}  ${current()}`
    const width = (output.columns ?? 100) - 1
    return line.length > width ? `${line.slice(0, width - 1)}…` : line
  }
  const clear = () => shown && output.write('\r\x1b[2K')
  const draw = () => {
    clear()
    output.write(bar())
    shown = true
  }
  const plainLine = () => output.write(`  … ${counted()}${running.size ? `, running ${current()}` : ''}\n`)
  const changed = () => output.isTTY && draw()

  return {
    planned(cells) {
      total = cells
      if (output.isTTY) draw()
      else {
        plainLine()
        timer = setInterval(plainLine, options.everyMs ?? 10_000)
        timer.unref()
      }
    },
    started(cell) {
      running.set(keyOf(cell), cell)
      changed()
    },
    finished(cell) {
      running.delete(keyOf(cell))
      done++
      changed()
    },
    log(line) {
      if (!output.isTTY) return void output.write(`${line}\n`)
      clear()
      output.write(`${line}\n`)
      shown = false
      draw()
    },
    end() {
      clearInterval(timer)
      if (output.isTTY) clear()
      shown = false
      output.write(`  ${counted()} in ${((now() - began) / 1000).toFixed(1)} s\n`)
    },
  }
}

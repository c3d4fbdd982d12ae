import type { CheckName } from '../decision'

/** What one of the lab's own checks found about one presented credential. */
export interface CheckResult {
  check: CheckName
  passed: boolean
  message: string
  /** The specification clause the check enforces. */
  clause: string
}

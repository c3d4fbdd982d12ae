// The shapes the dashboard's browser code (public/js, plain JavaScript checked through JSDoc) receives from its API,
// named once here from the server's own types so a change on the server fails `npm run typecheck` in the page.
import type { CreatedOffer, CreatedVerification, Decision, TraceStep, Verification } from '@interop-lab/contracts'
import type { RegistryEntity } from '@interop-lab/trust-registry/store'
import type { VerificationPolicy } from '@interop-lab/verifier/policy'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import type { LoadReport } from '../loadmode/report'
import type { RunReport, ReportedResult } from '../report'
import type { VariantResult } from '../runner'
import type { ScenarioStep } from '../scenario'
import type { StepResult } from '../steps'
import type { Catalog, IssuerView, ScenarioView, VariantView } from './catalog'
import type { CellChange, PastRun, RunDiff } from './history'
import type { DashboardRun } from './runs'

export type { LoadReport }
export type { Catalog, CellChange, CreatedOffer, CreatedVerification, CredentialType, Decision, IssuerView, PastRun, ReportedResult }
export type { RunDiff, RunReport, ScenarioStep, ScenarioView, StepResult, TraceStep, VariantResult, VariantView, Verification, VerificationPolicy }

/** GET /api/trust-registry: the registry's public listing. */
export interface RegistryListing {
  authority?: string
  entities: RegistryEntity[]
}
export type { RegistryEntity }

/** A run the page follows: its steps as they start and finish, then its result or why it failed. */
export interface PageRun {
  id: string
  status: DashboardRun['status']
  steps: Record<string, StepView>
  result?: VariantResult
  error?: string
}
export type StepView = { state: 'pending' | 'running' } | { state: 'done'; result: StepResult }

/** GET /api/runs/:id */
export type RunRecord = Omit<DashboardRun, 'events'> & { steps: StepResult[] }

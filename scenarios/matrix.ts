import { CREDENTIAL_FORMATS, type CredentialFormat } from '@interop-lab/common/credentialTypes'
import { formatLimit, MATRIX_PROTOCOLS, type MatrixProtocol } from '@interop-lab/common/protocols'
import { describeParty, missingAbility, type PartyCapabilities, type Role, unsupportedReason } from './capabilities'
import type { Driver, Parties } from './drivers/types'
import { implementationsOf, partiesFor, type RunAids, type RunEvent, runVariant, unsupportedRow, type VariantResult } from './runner'
import { type Scenario, type ScenarioStep, stepsFor, type Variant } from './scenario'
import { type Endpoints, isVerifierCase } from './steps'

export interface Combination {
  protocol: MatrixProtocol
  format: CredentialFormat
}

/** Every protocol with every format: the columns of the interoperability matrix. */
export const ALL_COMBINATIONS: Combination[] = MATRIX_PROTOCOLS.flatMap((protocol) => CREDENTIAL_FORMATS.map((format) => ({ protocol, format })))

/** Several implementations per role: the matrix crosses them, issuer × wallet × verifier, as AATH does. */
export type Implementations = { [R in keyof Parties]: Parties[R][] }

export interface MatrixRun {
  /** What the first implementation of each role said it can do. */
  capabilities: PartyCapabilities
  /** What every implementation of each role said it can do (or why it could not say), one entry per implementation. */
  described: { [R in keyof PartyCapabilities]: PartyCapabilities[R][] }
  results: VariantResult[]
}

const isImplementations = (target: Endpoints | Parties | Implementations): target is Implementations => Array.isArray(target.issuer)

/** Every combination of one implementation per role, in the order given. */
function crossed({ issuer, wallet, verifier }: Implementations): Parties[] {
  return issuer.flatMap((i) => wallet.flatMap((w) => verifier.map((v) => ({ issuer: i, wallet: w, verifier: v }))))
}

/** What each combination's parties can do, each implementation asked once. */
async function describeCrossings(crossings: Parties[]): Promise<PartyCapabilities[]> {
  const answers = new Map<Driver, Promise<PartyCapabilities[Role]>>()
  const ask = (driver: Driver) => {
    if (!answers.has(driver)) answers.set(driver, describeParty(driver))
    return answers.get(driver)!
  }
  return Promise.all(crossings.map(async ({ issuer, wallet, verifier }) => ({ issuer: await ask(issuer), wallet: await ask(wallet), verifier: await ask(verifier) })))
}

const holdersOf = (scenario: Scenario) => Object.entries(scenario.parties).flatMap(([key, party]) => (party.role === 'holder' ? [key] : []))

/**
 * Which lane each scenario runs in: scenarios that share a holder, directly or through another, share a lane, since
 * each variant starts by emptying its holders' wallets. Scenario id → lane number.
 */
function lanesOf(scenarios: Scenario[]): Map<string, number> {
  let lanes: { holders: Set<string>; scenarioIds: string[] }[] = []
  for (const scenario of scenarios) {
    const holders = holdersOf(scenario)
    const sharing = lanes.filter((lane) => holders.some((holder) => lane.holders.has(holder)))
    const merged = { holders: new Set([...holders, ...sharing.flatMap((lane) => [...lane.holders])]), scenarioIds: [...sharing.flatMap((lane) => lane.scenarioIds), scenario.id] }
    lanes = [...lanes.filter((lane) => !sharing.includes(lane)), merged]
  }
  return new Map(lanes.flatMap((lane, number) => lane.scenarioIds.map((id) => [id, number])))
}

/** Why a variant does not apply to a column (a format or protocol it is not about, a check the format cannot show), or undefined. */
function notApplicable(variant: Variant | undefined, { protocol, format }: Combination): string | undefined {
  if (variant?.formats && !variant.formats.includes(format)) return `the variant applies only to ${variant.formats.join(', ')}`
  if (variant?.protocols && !variant.protocols.includes(protocol)) return `the variant applies only to the ${variant.protocols.join(', ')} column${variant.protocols.length > 1 ? 's' : ''}`
  const limit = Object.values(variant?.expect ?? {})
    .map((expected) => formatLimit(format, expected.failedCheck))
    .find(Boolean)
  return limit ? `not applicable to ${format}: ${limit}` : undefined
}

/** The formats Mallory's verifier asks for, or why it cannot be asked (none: the run did not start it). */
async function malloryFormats(mallory: RunAids['mallory']): Promise<readonly string[] | string> {
  if (!mallory) return "the variant's requests come from Mallory's verifier, which this run did not start"
  const described = await describeParty(mallory)
  return described.capabilities?.protocols.oid4vc ?? `Mallory's verifier is unreachable: ${described.error}`
}

/** Why the run cannot give these steps what they need besides the parties (a registry to change, Mallory's verifier), or undefined. */
function missingAid(steps: ScenarioStep[], aids: RunAids, mallory: readonly string[] | string, format: CredentialFormat): string | undefined {
  if (!aids.registry && steps.some((step) => step.action === 'registry')) return 'the variant changes a trust registry, and this run has no lab registry the runner may change'
  const cases = steps.flatMap((step) => (step.action === 'present' && step.requestCase ? [step.requestCase] : []))
  if (!cases.length) return undefined
  if (typeof mallory === 'string') return mallory
  const unknown = cases.filter((kind) => !isVerifierCase(kind))
  if (unknown.length) return `Mallory's verifier has no ${unknown.join(', ')} case (scenarios/mallory/cases.ts)`
  return mallory.includes(format) ? undefined : `Mallory's verifier asks for ${mallory.join(', ')} only, not ${format}`
}

/**
 * Every variant of every scenario in every protocol and format. A combination some party's driver does not declare,
 * a step one cannot do, or a variant does not apply to, is an `unsupported` row with its reason, not a failure.
 * `lanes` > 1 runs scenarios with different holders side by side (each scenario's cells still one at a time); the
 * results keep the same order whatever the lanes. `registry`: the lab trust registry a variant's registry steps change
 * (reached from the verifier's own); without it those variants are unsupported. A change is undone when its variant
 * ends, and the pilots' registry variants each touch only the jurisdictions of their own scenario, so side-by-side
 * lanes do not see each other's changes.
 */
export async function runMatrix(
  target: Endpoints | Parties | Implementations,
  scenarios: Scenario[],
  options: { combinations?: Combination[]; onEvent?: (event: RunEvent) => void; lanes?: number } & RunAids = {},
): Promise<MatrixRun> {
  const crossings = isImplementations(target) ? crossed(target) : [partiesFor(target)]
  const described = await describeCrossings(crossings)
  const onEvent = options.onEvent ?? (() => {})
  const aids: RunAids = { registry: options.registry, mallory: options.mallory }
  const mallory = await malloryFormats(options.mallory)
  // every cell in report order: a row not run has its result already, a runnable one a run that fills it in
  const laneOf = lanesOf(scenarios)
  const cells: { lane: number; movesTime?: boolean; result?: VariantResult; run?: () => Promise<VariantResult> }[] = []
  for (const scenario of scenarios) {
    for (const variant of [undefined, ...scenario.variants]) {
      for (const { protocol, format } of options.combinations ?? ALL_COMBINATIONS)
        for (const [index, parties] of crossings.entries()) {
          const capabilities = described[index]!
          const steps = stepsFor(scenario, variant)
          const reason =
            notApplicable(variant, { protocol, format }) ?? missingAid(steps, aids, mallory, format) ?? unsupportedReason(capabilities, protocol, format) ?? missingAbility(capabilities, steps)
          const name = { scenarioId: scenario.id, variantId: variant?.id ?? 'baseline', protocol, format }
          const run = async () => {
            onEvent({ type: 'cell-started', ...name })
            const result = await runVariant(parties, scenario, variant, format, onEvent, protocol, aids)
            onEvent({ type: 'cell-finished', ...name, result })
            return result
          }
          const lane = laneOf.get(scenario.id)!
          cells.push(
            reason ? { lane, result: unsupportedRow(scenario, variant, format, protocol, reason, implementationsOf(parties)) } : { lane, movesTime: steps.some((step) => step.action === 'wait'), run },
          )
        }
    }
  }
  const runnable = cells.filter((cell) => cell.run)
  onEvent({ type: 'matrix-planned', cells: runnable.length })
  // A cell that lets time pass moves the lab's shared clock (scenarios/clocks.ts), which a cell beside it would see
  // (a credential issued there expiring early, a registry answer aging): those cells run last, one at a time.
  const sideBySide = runnable.filter((cell) => !cell.movesTime)
  const lanes = [...new Set(sideBySide.map((cell) => cell.lane))].map((lane) => sideBySide.filter((cell) => cell.lane === lane))
  // at most `lanes` lanes at once, each one cell at a time; a lane that ends hands its slot to the next
  const worker = async () => {
    for (let lane = lanes.shift(); lane; lane = lanes.shift()) for (const cell of lane) cell.result = await cell.run!()
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.lanes ?? 1, lanes.length)) }, worker))
  for (const cell of runnable.filter((cell) => cell.movesTime)) cell.result = await cell.run!()
  const results = cells.map((cell) => cell.result!)
  const byRole = <R extends keyof PartyCapabilities>(role: R) => [...new Map(described.map((c) => [c[role].implementation, c[role]])).values()]
  return { capabilities: described[0]!, described: { issuer: byRole('issuer'), wallet: byRole('wallet'), verifier: byRole('verifier') }, results }
}

import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { type MatrixProtocol, matrixFormatsOver } from '@interop-lab/common/protocols'
import { type Ability, type Driver, type DriverCapabilities, type Parties, type Role, ROLES } from './drivers/types'
import type { ScenarioStep } from './scenario'

export { ROLES, type Role } from './drivers/types'

/** What each party's driver declares it can do, or why it could not say (its party unreachable). */
export type PartyCapabilities = Record<Role, { implementation: string; url: string; capabilities?: DriverCapabilities; error?: string }>

/** Asks each role's driver what its party can do. */
export async function describeParties(parties: Parties): Promise<PartyCapabilities> {
  const [issuer, wallet, verifier] = await Promise.all(ROLES.map((role) => describeParty(parties[role])))
  return { issuer, wallet, verifier }
}

/** Asks one driver what its party can do, or why it could not say. */
export async function describeParty(driver: Driver): Promise<PartyCapabilities[Role]> {
  const { implementation, url } = driver
  try {
    return { implementation, url, capabilities: await driver.describe() }
  } catch (error) {
    return { implementation, url, error: error instanceof Error ? error.message : String(error) }
  }
}

const listed = (items: string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0])

/** Why a protocol and format cannot be run between these parties, or undefined when all three speak it. */
export function unsupportedReason(parties: PartyCapabilities, protocol: MatrixProtocol, format: CredentialFormat): string | undefined {
  const lacking = ROLES.filter((role) => !parties[role].capabilities || !parties[role].capabilities!.protocols[protocol]?.includes(format))
  if (!lacking.length) return undefined
  const unreachable = lacking.filter((role) => parties[role].error)
  const pending = lacking.flatMap((role) => {
    const reason = parties[role].capabilities?.pending?.[format]
    return reason ? [`${role}: ${reason}`] : []
  })
  // a format still being prepared is pending only over the protocols that carry it
  if (pending.length && matrixFormatsOver(protocol).includes(format)) return pending.join('; ')
  // the lab's own services are named by role alone; another implementation by its name too
  const named = (role: Role) => (/^lab(@|$)/.test(parties[role].implementation) ? role : `${role} ${parties[role].implementation}`)
  const explained = lacking.filter((role) => parties[role].capabilities?.unsupported?.[format])
  const answered = lacking.filter((role) => !parties[role].error && !explained.includes(role))
  const names = listed(answered.map(named))
  const reasons = [
    ...explained.map((role) => `${named(role)}: ${parties[role].capabilities!.unsupported![format]}`),
    ...(answered.length ? [`${names} ${answered.length > 1 ? 'do' : 'does'} not support ${format} over ${protocol}`] : []),
    ...unreachable.map((role) => `${named(role)} unreachable (${parties[role].error})`),
  ]
  return reasons.join('; ')
}

/** The abilities each role needs for these steps, beyond protocol and format. */
function abilitiesNeeded(steps: ScenarioStep[]): [Role, Ability, string][] {
  const needed: [Role, Ability, string][] = []
  for (const step of steps) {
    if (step.action === 'issue' && step.validForSeconds) needed.push(['issuer', 'validity', 'issue a credential with an expiry date'])
    if ((step.action === 'issue' || step.action === 'register') && step.fault) needed.push(['wallet', 'faults', `break an issuance on purpose (${step.fault.kind})`])
    if (step.action === 'certify' || step.action === 'register' || step.action === 'correct') needed.push(['issuer', 'vital-statistics', 'certify, register or correct a death'])
    if (step.action === 'present' && step.fault) needed.push(['wallet', 'faults', `break a presentation on purpose (${step.fault.kind})`])
    if (step.action === 'expect-notifications') needed.push(['verifier', 'program-inbox', "read a program's notifications"])
  }
  return needed
}

/** Why the wallet cannot present to the verifier (they share no way to), or undefined. */
function presentationMismatch(parties: PartyCapabilities, steps: ScenarioStep[]): string | undefined {
  if (!steps.some((step) => step.action === 'present')) return undefined
  const ways = (role: 'wallet' | 'verifier') => parties[role].capabilities?.presentsOver ?? ['the protocol itself']
  const [wallet, verifier] = [ways('wallet'), ways('verifier')]
  if (wallet.some((way) => verifier.includes(way))) return undefined
  return `wallet ${parties.wallet.implementation} presents over ${wallet.join(', ')}, verifier ${parties.verifier.implementation} asks over ${verifier.join(', ')}`
}

/** Why these steps cannot be run with these parties' drivers (an ability one lacks), or undefined. */
export function missingAbility(parties: PartyCapabilities, steps: ScenarioStep[]): string | undefined {
  const missing = abilitiesNeeded(steps).filter(([role, ability]) => parties[role].capabilities && !parties[role].capabilities!.abilities.includes(ability))
  const reasons = [...new Set(missing.map(([role, , what]) => `${role} ${parties[role].implementation} cannot ${what}`)), presentationMismatch(parties, steps)].filter(Boolean)
  return reasons.length ? reasons.join('; ') : undefined
}

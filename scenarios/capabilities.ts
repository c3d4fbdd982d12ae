import type { CredentialFormat } from '../common/credentialTypes'
import { type Capabilities, PROTOCOL_FORMATS, type Protocol, supports } from '../common/protocols'
import { callJson } from './client'
import type { Endpoints } from './steps'

export const ROLES = ['issuer', 'wallet', 'verifier'] as const
export type Role = (typeof ROLES)[number]

/** What each party says it speaks, or why it could not be asked. */
export type PartyCapabilities = Record<Role, { url: string; capabilities?: Capabilities; error?: string }>

/** Asks the issuer, wallet and verifier services for `GET /capabilities`. */
export async function fetchCapabilities(endpoints: Endpoints): Promise<PartyCapabilities> {
  const ask = async (url: string) => {
    try {
      return { url, capabilities: await callJson<Capabilities>('GET', `${url}/capabilities`) }
    } catch (error) {
      return { url, error: error instanceof Error ? error.message : String(error) }
    }
  }
  const [issuer, wallet, verifier] = await Promise.all([ask(endpoints.issuer), ask(endpoints.wallet), ask(endpoints.verifier)])
  return { issuer, wallet, verifier }
}

/** Why a protocol and format cannot be run between these parties, or undefined when all three speak it. */
export function unsupportedReason(parties: PartyCapabilities, protocol: Protocol, format: CredentialFormat): string | undefined {
  const lacking = ROLES.filter((role) => !parties[role].capabilities || !supports(parties[role].capabilities!, protocol, format))
  if (!lacking.length) return undefined
  const unreachable = lacking.filter((role) => parties[role].error)
  const pending = lacking.flatMap((role) => {
    const reason = parties[role].capabilities?.pending?.[format]
    return reason ? [`${role}: ${reason}`] : []
  })
  // a format still being prepared is pending only over the protocols that carry it
  if (pending.length && PROTOCOL_FORMATS[protocol].includes(format)) return pending.join('; ')
  const answered = lacking.filter((role) => !parties[role].error)
  const names = answered.length > 1 ? `${answered.slice(0, -1).join(', ')} and ${answered.at(-1)}` : answered[0]
  const reasons = [
    ...(answered.length ? [`${names} ${answered.length > 1 ? 'do' : 'does'} not support ${format} over ${protocol}`] : []),
    ...unreachable.map((role) => `${role} capabilities unknown (${parties[role].error})`),
  ]
  return reasons.join('; ')
}

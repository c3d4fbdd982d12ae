import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { MalloryIssuerDriver } from '../drivers/malloryIssuer'
import type { MalloryVerifierDriver } from '../drivers/malloryVerifier'
import type { IssuerDriver, PresentationRequest, WalletDriver } from '../drivers/types'
import { ISSUER_CASES, type IssuerCase, VERIFIER_CASES, type VerifierCase } from './cases'

/** One line of a wallet conformance report: what Mallory did, whether the wallet under test refused, and why. */
export interface ConformanceRow {
  /** `issuer/<case>/<format>` or `verifier/<case>/<format>`. */
  id: string
  /** The Mallory party that misbehaved. */
  mallory: 'issuer' | 'verifier'
  case: IssuerCase | VerifierCase
  format: OID4VCFormat
  title: string
  /** The rule a conforming wallet applies, and where it is written. */
  clause: string
  /** The wallet under test. */
  wallet: string
  /** pass: the wallet refused (the control case: it answered). */
  outcome: 'pass' | 'fail'
  /** What the wallet did: refused, or accepted / answered. */
  observed: 'refused' | 'accepted'
  /** The wallet's own reason, when it gives one; or why the row failed. */
  reason?: string
  durationMs: number
}

type OID4VCFormat = Extract<CredentialFormat, 'dc+sd-jwt' | 'jwt_vc_json'>
export const CONFORMANCE_FORMATS: OID4VCFormat[] = ['dc+sd-jwt', 'jwt_vc_json']

/** The holder's verified-person credential: Mallory's issuer offers this type, Mallory's verifier asks for it. */
const PERSON_CLAIMS = { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }

export interface ConformanceParties {
  wallet: WalletDriver
  holder: string
  malloryIssuer: MalloryIssuerDriver
  malloryVerifier: MalloryVerifierDriver
  /** An honest issuer that gives the holder a real credential first, so that Mallory's requests could be answered. */
  honestIssuer: { driver: IssuerDriver; issuer: string }
}

const MAX_REASON = 600
/** A wallet's reason, on one bounded line: a report keeps what a check said, not a credential a wallet may quote. */
const bounded = (reason: string) => (reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason).replace(/\s+/g, ' ')
const message = (error: unknown) => bounded(error instanceof Error ? error.message : String(error))

async function timed(work: () => Promise<Omit<ConformanceRow, 'durationMs'>>): Promise<ConformanceRow> {
  const started = Date.now()
  const row = await work()
  return { ...row, durationMs: Date.now() - started }
}

async function issuerRow(parties: ConformanceParties, kind: IssuerCase, format: OID4VCFormat): Promise<ConformanceRow> {
  const base = { id: `issuer/${kind}/${format}`, mallory: 'issuer' as const, case: kind, format, ...ISSUER_CASES[kind], wallet: parties.wallet.implementation }
  return timed(async () => {
    const offer = await parties.malloryIssuer.offerCase(kind, format, PERSON_CLAIMS)
    try {
      const stored = await parties.wallet.acceptOffer(parties.holder, offer)
      if (stored > 0) return { ...base, outcome: 'fail', observed: 'accepted', reason: `the wallet stored ${stored} credential(s) from this offer` }
      return { ...base, outcome: 'pass', observed: 'refused', reason: 'the wallet stored nothing (no reason given)' }
    } catch (error) {
      return { ...base, outcome: 'pass', observed: 'refused', reason: message(error) }
    }
  })
}

/** Hands the wallet a request; says whether Mallory's response endpoint received a presentation, and the wallet's reason. */
async function present(parties: ConformanceParties, request: PresentationRequest): Promise<{ answered: boolean; reason?: string }> {
  const before = await parties.malloryVerifier.answers(request)
  const reason = await parties.wallet.present(parties.holder, request).then(
    (outcome) => outcome.error && bounded(outcome.error),
    (error: unknown) => message(error),
  )
  return { answered: (await parties.malloryVerifier.answers(request)) > before, reason }
}

async function verifierRow(parties: ConformanceParties, kind: VerifierCase, format: OID4VCFormat): Promise<ConformanceRow> {
  const base = { id: `verifier/${kind}/${format}`, mallory: 'verifier' as const, case: kind, format, ...VERIFIER_CASES[kind], wallet: parties.wallet.implementation }
  return timed(async () => {
    const request = await parties.malloryVerifier.requestCase(kind, format)
    if (kind === 'replayed-request') {
      const first = await present(parties, request)
      if (!first.answered)
        return {
          ...base,
          outcome: 'fail',
          observed: 'refused',
          reason: `the first, fresh presentation of the request was not answered, so the replay shows nothing: ${first.reason ?? 'no reason given'}`,
        }
    }
    const { answered, reason } = await present(parties, request)
    if (kind === 'control') {
      return answered
        ? { ...base, outcome: 'pass', observed: 'accepted' }
        : { ...base, outcome: 'fail', observed: 'refused', reason: `the wallet did not answer a conforming request: ${reason ?? 'no reason given'}` }
    }
    if (answered) return { ...base, outcome: 'fail', observed: 'accepted', reason: "Mallory's response endpoint received a presentation" }
    return { ...base, outcome: 'pass', observed: 'refused', reason: reason ?? 'no presentation reached Mallory (no reason given)' }
  })
}

/**
 * Every Mallory case against one wallet, in each OID4VC format: first the issuer's cases, then (once the holder holds a
 * real credential from the honest issuer) the verifier's.
 */
export async function runWalletConformance(parties: ConformanceParties, formats: OID4VCFormat[] = CONFORMANCE_FORMATS): Promise<ConformanceRow[]> {
  const rows: ConformanceRow[] = []
  await parties.wallet.reset([parties.holder])
  for (const format of formats) for (const kind of Object.keys(ISSUER_CASES) as IssuerCase[]) rows.push(await issuerRow(parties, kind, format))
  // only the honest credentials from here on: whatever Mallory's issuer got the wallet to keep must not answer a request
  await parties.wallet.reset([parties.holder])
  for (const format of formats) {
    const { driver, issuer } = parties.honestIssuer
    const offer = await driver.offer({ issuer, credentialType: 'VerifiedPersonCredential', claims: PERSON_CLAIMS, format, protocol: 'oid4vc' })
    await parties.wallet.acceptOffer(parties.holder, offer)
    for (const kind of Object.keys(VERIFIER_CASES) as VerifierCase[]) rows.push(await verifierRow(parties, kind, format))
  }
  return rows
}

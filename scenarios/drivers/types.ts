import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import type { Capabilities, ExchangeProtocol, MatrixProtocol } from '@interop-lab/common/protocols'
import type { Decision, Fault, IssuanceFault, PresentationOutcome, Profile } from '@interop-lab/contracts'
import type { VerifiablePresentationRequest } from '@interop-lab/wallet-sim/vcApiHolder'
import type { ClockControl } from '../clocks'

export const ROLES = ['issuer', 'wallet', 'verifier'] as const
export type Role = (typeof ROLES)[number]

/**
 * What a party can do beyond its protocols and formats: a scenario step needing one the driver lacks makes the
 * cell `unsupported`, naming it.
 * - `validity`: issue a credential that expires at a given time (the issuer)
 * - `vital-statistics`: certify, register and correct a death (the issuer's registrar operations)
 * - `faults`: break a presentation on purpose, as Mallory (the wallet)
 * - `program-inbox`: read the notifications a program received (the verifier)
 */
export type Ability = 'validity' | 'vital-statistics' | 'faults' | 'program-inbox'

/** What a driver declares: the protocols and formats its party speaks (and those still pending), and its abilities. */
export interface DriverCapabilities extends Omit<Capabilities, 'protocols'> {
  protocols: Partial<Record<MatrixProtocol, CredentialFormat[]>>
  abilities: Ability[]
  /** Formats the party will not speak, and why (an install without AnonCreds): the cell's reason. */
  unsupported?: Partial<Record<CredentialFormat, string>>
  /**
   * How a wallet answers, or a verifier asks for, a presentation when not over the protocol itself (`sd-jwt-handoff`:
   * an SD-JWT VC handed over in process, for a library with no OID4VP); a wallet and a verifier must share one.
   */
  presentsOver?: string[]
}

/**
 * A DIDComm party the lab drives starts its exchanges connectionless (the default) or over a DID Exchange 1.1
 * connection its invitation asks for; the second is named in reports as a distinct implementation (`lab+did-exchange`).
 */
export const implementationOver = (implementation: string, connection?: DidCommConnection) => (connection === 'did-exchange' ? `${implementation}+did-exchange` : implementation)

export type DriverErrorCode = 'unreachable' | 'refused' | 'bad-answer' | 'unsupported'

/** A driver could not do what it was asked: which party, and why, in words a person can act on. */
export class DriverError extends Error {
  public constructor(
    public readonly code: DriverErrorCode,
    message: string,
    /** A refusal's profile requirement, when the refusing party names one (HAIP 1.0: `dpop`, `pkce`…). */
    public readonly requirement?: string,
  ) {
    super(message)
    this.name = 'DriverError'
  }
}

/** Every driver: the implementation it stands for and what it can do. */
export interface Driver {
  /** The implementation's name in reports: `lab`, `lab@<url>`, `oid4vci-http@<target>`. */
  readonly implementation: string
  /** Where the party lives, for people reading a report. */
  readonly url: string
  /** What the party can do; rejects with a DriverError `unreachable` when the party cannot be reached. */
  describe(): Promise<DriverCapabilities>
  /** The party's clock, on the lab's own services: a `wait` step moves it instead of sleeping (scenarios/clocks.ts). */
  readonly clock?: ClockControl
}

export interface Offer {
  offerUri: string
  txCode?: string
  /** Whether the issuer has seen the offer redeemed (rejects when it failed), for a wallet the lab cannot ask itself. */
  redeemed?: () => Promise<boolean>
  /**
   * A W3C VC API issuance (`vc-api`), which has no offer to redeem: the issuer signs the credential once the wallet
   * names the DID to bind it to (credentialSubject.id). `offerUri` is then the issuer's /credentials/issue.
   */
  issueTo?: (holderDid: string) => Promise<Record<string, unknown>>
}

export interface OfferRequest {
  /** The scenario's party key of the issuing organisation. */
  issuer: string
  credentialType: string
  claims: Record<string, unknown>
  format: CredentialFormat
  protocol: ExchangeProtocol
  /** The profile the offer follows (`haip`: the matrix's haip column; drivers that declare it). */
  profile?: Profile
  /** When the credential stops being valid (drivers with the `validity` ability). */
  validUntil?: string
}

/** The death registration operations of a registrar (the death-notification pilot). */
export interface VitalStatisticsDriver {
  certify(certifier: string, registrar: string, certificate: Record<string, unknown>): Promise<{ id: string }>
  register(
    registrar: string,
    registrationId: string,
    input: { executor: { given_name: string; family_name: string }; format: CredentialFormat; protocol: ExchangeProtocol; profile?: Profile },
  ): Promise<{ registrationNumber: string; offer: Offer; deliveries: number }>
  correct(registrar: string, registrationId: string, reason: string): Promise<{ revoked: number }>
}

export interface IssuerDriver extends Driver {
  /** A credential offer for the holder's wallet. */
  offer(request: OfferRequest): Promise<Offer>
  /** Present when the driver has the `vital-statistics` ability. */
  readonly vitalStatistics?: VitalStatisticsDriver
}

export interface WalletDriver extends Driver {
  /** Empties the holders' wallets, so that a credential from an earlier run cannot answer for this one. */
  reset(holders: string[]): Promise<void>
  /**
   * Accepts an offer; resolves to how many credentials the wallet stored. `fault` (drivers with the `faults` ability)
   * breaks a rule of the issuance on purpose; a refusal rejects with a DriverError `refused` naming its requirement.
   */
  acceptOffer(holder: string, offer: Offer, fault?: IssuanceFault): Promise<number>
  /** Answers a presentation request, one of its URIs (with a fault, for drivers with the `faults` ability). */
  present(holder: string, request: Pick<PresentationRequest, 'requestUri' | 'answered' | 'query'>, fault?: Fault): Promise<PresentationOutcome>
}

/** A presentation request as the verifier made it: its handle, and the URI(s) a wallet resolves. */
export interface PresentationRequest {
  id: string
  requestUri: string
  /** Several requests answered in turn (an AnonCreds verification asks for each credential separately). */
  requestUris?: string[]
  /** Whether the verifier has received the wallet's answer, for a wallet the lab cannot ask itself. */
  answered?: () => Promise<boolean>
  /**
   * A W3C VC API verifier (`vc-api`) makes no request of its own: what the wallet is asked for, with the challenge and
   * domain the verifier will check. `requestUri` is then the verifier's /presentations/verify.
   */
  query?: VerifiablePresentationRequest
}

/** A verifier's verdict, and where it was read. */
export interface Verdict {
  outcome: 'accepted' | 'rejected'
  /** The checks that failed; undefined when the verifier does not say (a verdict read from its answer to the wallet). */
  failedChecks?: string[]
  reason?: string
  /** The lab verifier's whole decision trace, when there is one. */
  decision?: Decision
  /** `decision` (the verifier's own decision), `result` (a configured result URL), `wallet-answer` (its HTTP answer to the wallet). */
  source: 'decision' | 'result' | 'wallet-answer'
}

export interface InboxEntry {
  topic: string
  data: Record<string, unknown>
}

export interface VerifierDriver extends Driver {
  /** A presentation request for the policy; `profile`: the profile it follows (`haip`, drivers that declare it). */
  request(policy: string, format: CredentialFormat, protocol: ExchangeProtocol, profile?: Profile): Promise<PresentationRequest>
  /** The verdict on a request once the wallet answered it (`walletOutcome`: its last answer); undefined when the verifier decided nothing. */
  verdict(request: PresentationRequest, walletOutcome: PresentationOutcome): Promise<Verdict | undefined>
  /**
   * Present when the driver has the `program-inbox` ability: what `program` received after `after` (a cursor an earlier
   * answer gave; default from the start), waiting up to `waitSeconds` for something to arrive (a long poll).
   */
  inbox?(program: string, read?: { after?: number; waitSeconds?: number }): Promise<{ notifications: InboxEntry[]; cursor: number }>
}

/** Who plays each role in a run. */
export interface Parties {
  issuer: IssuerDriver
  wallet: WalletDriver
  verifier: VerifierDriver
}

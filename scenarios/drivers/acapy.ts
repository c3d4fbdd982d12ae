import { randomUUID } from 'node:crypto'
import { type CredentialFormat, loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import { LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import type { MatrixProtocol } from '@interop-lab/common/protocols'
import { ldpCredential } from '@interop-lab/issuer/didcomm/ldpCredential'
import { presentationDefinitionFor } from '@interop-lab/verifier/didcomm/presentationDefinition'
import { loadPolicies } from '@interop-lab/verifier/policy'
import type { PresentationOutcome } from '@interop-lab/contracts'
import type { AcaPyAdmin, PresentationExchange } from '../peers/acapy/client'
import { recognisePeerReason, withPeerReason } from './peerReasons'
import { type Ability, type DriverCapabilities, DriverError, implementationOver, type IssuerDriver, type VerifierDriver, type WalletDriver } from './types'

/**
 * ACA-Py driven through its admin API, as the Aries Agent Test Harness drives it through a backchannel: DIDComm v1
 * with JSON-LD credentials (`ldp_vc`, RFC 0593), out-of-band invitations with the message attached (RFC 0434),
 * issue-credential 2.0 and present-proof 2.0 (DIF Presentation Exchange). The agent must auto-respond to requests and
 * presentations as `startAcaPy` starts it (`--auto-respond-*`, `--auto-verify-presentation`, `--auto-store-credential`).
 */

export interface AcaPyPeer {
  /** The target's name in the targets file: the implementation is `acapy@<name>`. */
  name: string
  admin: AcaPyAdmin
  /** How ACA-Py was installed (`.venv-acapy/.install-kind`: `registry`, `offline-kit`), or `remote` for an agent the lab did not start. */
  installKind: string
  /** What the agent logged that explains an exchange that did not happen (its errors), for an agent the lab started. */
  errors?: () => string
}

/** How long an exchange may take before the cell says where it stopped. */
const EXCHANGE_TIMEOUT_MS = 30_000

/**
 * Why this agent does not do AnonCreds here: the offline kit's stand-in for Askar has none; a full install would resolve
 * the lab's AnonCreds objects through its did:webvh registry, which reads a did:webvh only on a public https host (a
 * domain of two labels or more), not a lab on loopback, and the driver does not drive AnonCreds yet.
 */
function anonCredsReason(installKind: string): string {
  return installKind === 'offline-kit'
    ? 'this ACA-Py install has no native AnonCreds (offline kit)'
    : "the acapy driver does not drive AnonCreds yet; ACA-Py's did:webvh registry reads the lab's objects only from a public https host"
}

async function describeAcaPy(peer: AcaPyPeer, abilities: Ability[]): Promise<DriverCapabilities> {
  try {
    await peer.admin.status()
  } catch (error) {
    throw new DriverError('unreachable', `the ACA-Py admin API at ${peer.admin.url} did not answer (GET /status): ${messageOf(error)}`)
  }
  return { protocols: { didcomm: ['ldp_vc'] }, unsupported: { anoncreds: anonCredsReason(peer.installKind) }, abilities }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

function onlyLdpOverDidComm(peer: AcaPyPeer, format: CredentialFormat, protocol: MatrixProtocol): void {
  if (format !== 'ldp_vc' || protocol !== 'didcomm') throw new DriverError('unsupported', `acapy@${peer.name} speaks ldp_vc over didcomm only, not ${format} over ${protocol}`)
}

/** The out-of-band invitation in an invitation URL (`?oob=<base64url JSON>`), and the thread of the message it carries. */
function attachedExchange(url: string): { invitation: Record<string, unknown>; threadId: string } {
  const encoded = URL.canParse(url) ? new URL(url).searchParams.get('oob') : null
  if (!encoded) throw new DriverError('unsupported', `ACA-Py takes DIDComm out-of-band invitations (?oob=), not ${url.slice(0, 120)}`)
  const invitation = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>
  const attached = (invitation['requests~attach'] as { data?: { base64?: string; json?: unknown } }[] | undefined)?.[0]?.data
  if (!attached) throw new DriverError('unsupported', 'the invitation carries no attached message (RFC 0434 requests~attach): the acapy driver takes connectionless offers and requests')
  const message = (attached.json ?? JSON.parse(Buffer.from(attached.base64 ?? '', 'base64').toString('utf8'))) as { '@id': string; '~thread'?: { thid?: string } }
  return { invitation, threadId: message['~thread']?.thid ?? message['@id'] }
}

/** Polls until the agent's record on `threadId` reaches one of `states`; a timeout names the last state and what the agent logged, with a known failure named. */
async function settle<T extends { state: string }>(peer: AcaPyPeer, what: string, read: () => Promise<T[]>, states: string[]): Promise<T> {
  const deadline = Date.now() + EXCHANGE_TIMEOUT_MS
  const loggedBefore = peer.errors?.().length ?? 0
  let last: T | undefined
  while (Date.now() < deadline) {
    last = (await read())[0]
    if (last && states.includes(last.state)) return last
    // a message the agent refused without an exchange record (no problem report comes back): said at once, not after the timeout
    const refused = peer.errors?.().slice(loggedBefore) ?? ''
    if (recognisePeerReason(refused)) throw new DriverError('refused', withPeerReason(`ACA-Py refused the message before ${what}: ${refused.slice(-1500)}`))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const logged = peer.errors?.().slice(-1500) ?? ''
  throw new DriverError(
    'refused',
    withPeerReason(`ACA-Py: ${what} did not happen within ${EXCHANGE_TIMEOUT_MS / 1000} s (last state: ${last?.state ?? 'no exchange record'})${logged ? `; ACA-Py logged: ${logged}` : ''}`),
  )
}

/**
 * ACA-Py as an issuer of the lab's credential types, one did:key per issuing organisation; `onIssuerDid` onboards each
 * new DID; `connection`: its offers attached to connectionless invitations (default) or to ones asking for DID Exchange 1.1.
 */
export function acapyIssuer(peer: AcaPyPeer, onIssuerDid: (issuer: string, did: string) => Promise<void> = async () => {}, connection?: DidCommConnection): IssuerDriver {
  const types = loadCredentialTypes()
  const dids = new Map<string, Promise<string>>()
  const didOf = (issuer: string) => {
    if (!dids.has(issuer))
      dids.set(
        issuer,
        peer.admin.createDidKey().then(async (did) => {
          await onIssuerDid(issuer, did)
          return did
        }),
      )
    return dids.get(issuer)!
  }
  return {
    implementation: implementationOver(`acapy@${peer.name}`, connection),
    url: peer.admin.url,
    describe: () => describeAcaPy(peer, ['validity']),
    async offer({ issuer, credentialType, claims, format, protocol, validUntil }) {
      onlyLdpOverDidComm(peer, format, protocol)
      const type = types.get(credentialType)
      if (!type) throw new DriverError('unsupported', `no credential type ${credentialType} in common/credential-types`)
      const credential = ldpCredential(type, await didOf(issuer), { issuerKey: issuer, claims, validUntil })
      const exchange = await peer.admin.offerCredential({ credential: { ...credential }, options: { proofType: LDP_PROOF_TYPE, proofPurpose: 'assertionMethod' } })
      const { invitation_url } = await peer.admin.createInvitation({ attachments: [{ id: exchange.cred_ex_id, type: 'credential-offer' }], handshake: connection === 'did-exchange' })
      const redeemed = async () => {
        const [record] = await peer.admin.credentialExchanges({ threadId: exchange.thread_id })
        if (record?.state === 'abandoned') throw new DriverError('refused', withPeerReason(`ACA-Py abandoned the credential exchange: ${record.error_msg ?? 'no reason given'}`))
        return record?.state === 'done' || record?.state === 'credential-issued'
      }
      return { offerUri: invitation_url, redeemed }
    },
  }
}

/** ACA-Py as the holders' wallet: one did:key per holder, every credential in the one agent. */
export function acapyWallet(peer: AcaPyPeer): WalletDriver {
  const dids = new Map<string, Promise<string>>()
  const didOf = (holder: string) => {
    if (!dids.has(holder)) dids.set(holder, peer.admin.createDidKey())
    return dids.get(holder)!
  }
  return {
    implementation: `acapy@${peer.name}`,
    url: peer.admin.url,
    describe: () => describeAcaPy(peer, []),
    async reset() {
      // ACA-Py presents every stored credential that matches: none may be left from an earlier cell
      for (const { record_id } of await peer.admin.w3cCredentials()) await peer.admin.deleteW3cCredential(record_id)
    },
    async acceptOffer(holder, offer) {
      const { invitation, threadId } = attachedExchange(offer.offerUri)
      await peer.admin.receiveInvitation(invitation)
      const byThread = () => peer.admin.credentialExchanges({ threadId })
      const offered = await settle(peer, 'the attached credential offer reaching an exchange', byThread, ['offer-received', 'abandoned'])
      if (offered.state === 'offer-received') await peer.admin.requestCredential(offered.cred_ex_id, await didOf(holder))
      const ended = await settle(peer, 'the credential being stored', byThread, ['done', 'abandoned'])
      if (ended.state === 'abandoned') throw new DriverError('refused', withPeerReason(`ACA-Py abandoned the credential exchange: ${ended.error_msg ?? 'no reason given'}`))
      return 1
    },
    async present(_holder, { requestUri, answered }, fault) {
      if (fault) throw new DriverError('unsupported', `acapy@${peer.name} cannot break a presentation on purpose (${fault.kind})`)
      const { invitation, threadId } = attachedExchange(requestUri)
      await peer.admin.receiveInvitation(invitation)
      let record: PresentationExchange
      try {
        // --auto-respond-presentation-request: the agent answers from its stored credentials on its own
        record = await settle(peer, 'a presentation being sent', () => peer.admin.presentationExchanges({ threadId }), ['done', 'abandoned'])
      } catch (error) {
        return { submitted: false, error: messageOf(error) }
      }
      const submitted = record.by_format?.pres !== undefined
      if (submitted && answered) await waitUntil(answered)
      return record.state === 'abandoned'
        ? { submitted, error: withPeerReason(`ACA-Py abandoned the presentation exchange: ${record.error_msg ?? 'no reason given'}`) }
        : { submitted: true, verifierStatus: 200, verifierResponse: { state: record.state } }
    },
  }
}

async function waitUntil(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + EXCHANGE_TIMEOUT_MS
  while (Date.now() < deadline && !(await done())) await new Promise((resolve) => setTimeout(resolve, 200))
}

/** ACA-Py as a verifier: the lab's policy as a DIF presentation definition (UUID id and challenge), verified by the agent; `connection` as for the issuer. */
export function acapyVerifier(peer: AcaPyPeer, connection?: DidCommConnection): VerifierDriver {
  const types = loadCredentialTypes()
  const policies = loadPolicies()
  const exchangeOf = async (threadId: string) => (await peer.admin.presentationExchanges({ threadId }))[0]
  return {
    implementation: implementationOver(`acapy@${peer.name}`, connection),
    url: peer.admin.url,
    describe: () => describeAcaPy(peer, []),
    async request(policyId, format, protocol) {
      onlyLdpOverDidComm(peer, format, protocol)
      const policy = policies.get(policyId)
      if (!policy) throw new DriverError('unsupported', `no verification policy ${policyId} in verifier/policies`)
      const definition = presentationDefinitionFor(policy, types) as unknown as Record<string, unknown>
      const exchange = await peer.admin.requestPresentation({ options: { challenge: randomUUID() }, presentation_definition: definition })
      const { invitation_url } = await peer.admin.createInvitation({ attachments: [{ id: exchange.pres_ex_id, type: 'present-proof' }], handshake: connection === 'did-exchange' })
      const threadId = exchange.thread_id ?? exchange.pres_ex_id
      const answered = async () => ['done', 'abandoned'].includes((await exchangeOf(threadId))?.state ?? '')
      return { id: threadId, requestUri: invitation_url, answered }
    },
    async verdict(request, walletOutcome: PresentationOutcome) {
      // the agent verifies on its own once the presentation arrives
      if (walletOutcome.submitted) await waitUntil(request.answered ?? (async () => true))
      const record = await exchangeOf(request.id)
      if (!record || !['done', 'abandoned'].includes(record.state)) return undefined
      if (record.verified === 'true') return { outcome: 'accepted', source: 'result' }
      const said = [record.error_msg, ...(record.verified_msgs ?? [])].filter(Boolean).join('; ')
      const reason = withPeerReason(
        said ? `ACA-Py did not verify the presentation: ${said}` : `ACA-Py did not verify the presentation (verified: ${record.verified ?? 'unset'}, state ${record.state})`,
      )
      return { outcome: 'rejected', reason, source: 'result' }
    },
  }
}

import {
  capabilitiesSchema,
  correctedDeathSchema,
  createdOfferSchema,
  createdVerificationSchema,
  credentialsAnswerSchema,
  inboxAnswerSchema,
  issuerRefusalSchema,
  offerStateSchema,
  presentationOutcomeSchema,
  registeredDeathSchema,
  registrationAnswerSchema,
  vcApiHolderSchema,
  verificationSchema,
} from '@interop-lab/contracts'
import type { DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import { HAIP, HAIP_FORMATS, VC_API, VC_API_FORMATS } from '@interop-lab/common/protocols'
import { callApi, callJson, ServiceCallError } from '../client'
import { labClock } from '../clocks'
import type { Endpoints } from '../steps'
import { type Ability, type DriverCapabilities, DriverError, implementationOver, type IssuerDriver, type Parties, type VerifierDriver, type WalletDriver } from './types'

/** The lab's own services, driven through their admin APIs. */

/** What a lab service says it speaks; its OID4VC formats that HAIP 1.0 names are also its `haip` column (offers and requests with `profile: 'haip'`). */
const describeLab = async (url: string, abilities: Ability[]): Promise<DriverCapabilities> => {
  try {
    const { protocols, ...rest } = await callApi(capabilitiesSchema, 'GET', `${url}/capabilities`)
    const haip = protocols.oid4vc?.filter((format) => HAIP_FORMATS.includes(format))
    return { ...rest, protocols: { ...protocols, ...(haip?.length ? { [HAIP]: haip } : {}) }, abilities }
  } catch (error) {
    throw new DriverError('unreachable', `the lab service at ${url} did not say what it speaks (GET /capabilities): ${error instanceof Error ? error.message : String(error)}`)
  }
}

const nameOf = (url: string, local: boolean) => (local ? 'lab' : `lab@${url}`)

/** `connection`: how its DIDComm offers start (connectionless by default, or over a DID Exchange 1.1 connection). */
export function labIssuer(url: string, adminApiKey: string, local = true, connection?: DidCommConnection): IssuerDriver {
  return {
    implementation: implementationOver(nameOf(url, local), connection),
    url,
    clock: labClock(url, adminApiKey),
    describe: () => describeLab(url, ['validity', 'vital-statistics']),
    async offer({ issuer, ...request }) {
      const body = connection && request.protocol === 'didcomm' ? { ...request, connection } : request
      const { offerId, offerUri, txCode } = await callApi(createdOfferSchema, 'POST', `${url}/issuers/${issuer}/offers`, body, adminApiKey)
      const redeemed = async () => {
        const { state, errorMessage } = await callApi(offerStateSchema, 'GET', `${url}/issuers/${issuer}/offers/${offerId}`, undefined, adminApiKey)
        if (state === 'Error' || state === 'abandoned') throw new DriverError('refused', `the issuer's exchange for offer ${offerId} ended in ${state}${errorMessage ? `: ${errorMessage}` : ''}`)
        return state === 'Completed' || state === 'done' || state === 'credential-issued'
      }
      return { offerUri, txCode, redeemed }
    },
    vitalStatistics: {
      async certify(certifier, registrar, certificate) {
        const { registration } = await callApi(registrationAnswerSchema, 'POST', `${url}/certifiers/${certifier}/certificates`, { certificate: { ...certificate, registrar } }, adminApiKey)
        return { id: registration.id }
      },
      async register(registrar, registrationId, input) {
        const result = await callApi(registeredDeathSchema, 'POST', `${url}/registrars/${registrar}/registrations/${registrationId}/registration`, input, adminApiKey)
        return { registrationNumber: result.registration.registrationNumber, offer: result.offer, deliveries: result.notification.deliveries }
      },
      correct: (registrar, registrationId, reason) => callApi(correctedDeathSchema, 'POST', `${url}/registrars/${registrar}/registrations/${registrationId}/correction`, { reason }, adminApiKey),
    },
  }
}

export function labWallet(url: string, local = true): WalletDriver {
  return {
    implementation: nameOf(url, local),
    url,
    clock: labClock(url),
    async describe() {
      // its /capabilities names the exchange protocols; it also holds and presents W3C VC API credentials (/personas/{id}/vc-api/…)
      const capabilities = await describeLab(url, ['faults'])
      return { ...capabilities, protocols: { ...capabilities.protocols, [VC_API]: [...VC_API_FORMATS] } }
    },
    async reset(holders) {
      for (const holder of holders) await callJson('DELETE', `${url}/personas/${holder}/credentials`)
    },
    async acceptOffer(holder, offer, fault) {
      if (offer.issueTo) {
        // a VC API issuer signs for the DID the wallet names: the persona's did:key
        const { did } = await callApi(vcApiHolderSchema, 'GET', `${url}/personas/${holder}/vc-api/holder`)
        await callJson('POST', `${url}/personas/${holder}/vc-api/credentials`, { verifiableCredential: await offer.issueTo(did) })
        return 1
      }
      const accepted = await callApi(credentialsAnswerSchema, 'POST', `${url}/personas/${holder}/offers`, { offerUri: offer.offerUri, txCode: offer.txCode, fault }).catch((error: unknown) => {
        // 422: the wallet could not accept the offer; an issuer's refusal comes as `details`, naming its HAIP requirement
        if (!(error instanceof ServiceCallError) || error.status !== 422) throw error
        const refusal = issuerRefusalSchema.safeParse((error.body as { details?: unknown } | undefined)?.details)
        throw new DriverError('refused', error.message, refusal.success ? refusal.data.requirement : undefined)
      })
      return accepted.credentials.length
    },
    async present(holder, { requestUri, query }, fault) {
      if (!query) return callApi(presentationOutcomeSchema, 'POST', `${url}/personas/${holder}/presentations`, { requestUri, fault })
      // a VC API verifier has no response endpoint: the presentation goes back to its driver (see VerifierDriver.verdict)
      const { verifiablePresentation } = await callJson<{ verifiablePresentation: Record<string, unknown> }>('POST', `${url}/personas/${holder}/vc-api/presentations`, {
        verifiablePresentationRequest: query,
        fault,
      })
      return { submitted: true, verifiablePresentation, fault }
    },
  }
}

/** `connection`: how its DIDComm requests start (connectionless by default, or over a DID Exchange 1.1 connection). */
export function labVerifier(url: string, adminApiKey: string, local = true, connection?: DidCommConnection): VerifierDriver {
  return {
    implementation: implementationOver(nameOf(url, local), connection),
    url,
    clock: labClock(url, adminApiKey),
    describe: () => describeLab(url, ['program-inbox']),
    async request(policyId, format, protocol, profile) {
      const request = await callApi(createdVerificationSchema, 'POST', `${url}/verifications`, { policyId, format, protocol, profile, ...(connection && protocol === 'didcomm' ? { connection } : {}) })
      const answered = async () => (await callApi(verificationSchema, 'GET', `${url}/verifications/${request.id}`)).decision !== undefined
      return { id: request.id, requestUri: request.requestUri, requestUris: request.requestUris, answered }
    },
    async verdict(request) {
      const { decision } = await callApi(verificationSchema, 'GET', `${url}/verifications/${request.id}`)
      return decision && { outcome: decision.outcome, failedChecks: decision.failedChecks, reason: decision.reasons[0], decision, source: 'decision' }
    },
    async inbox(program, { after = 0, waitSeconds = 0 } = {}) {
      const { notifications, cursor } = await callApi(inboxAnswerSchema, 'GET', `${url}/programs/${program}/inbox?after=${after}&wait=${waitSeconds}`, undefined, adminApiKey)
      return { notifications, cursor }
    },
  }
}

/** The lab's own services at these endpoints. */
export function labParties(endpoints: Endpoints): Parties {
  return {
    issuer: labIssuer(endpoints.issuer, endpoints.adminApiKey),
    wallet: labWallet(endpoints.wallet),
    verifier: labVerifier(endpoints.verifier, endpoints.adminApiKey),
  }
}

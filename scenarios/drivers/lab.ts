import type { Capabilities } from '../../common/protocols'
import type { Decision } from '../../verifier/decision'
import type { PresentationOutcome } from '../../wallet-sim/wallet'
import { callJson } from '../client'
import type { Endpoints } from '../steps'
import {
  type Ability,
  type DriverCapabilities,
  DriverError,
  type InboxEntry,
  type IssuerDriver,
  type Offer,
  type Parties,
  type PresentationRequest,
  type VerifierDriver,
  type WalletDriver,
} from './types'

/** The lab's own services, driven through their admin APIs. */

const describeLab = async (url: string, abilities: Ability[]): Promise<DriverCapabilities> => {
  try {
    return { ...(await callJson<Capabilities>('GET', `${url}/capabilities`)), abilities }
  } catch (error) {
    throw new DriverError('unreachable', `the lab service at ${url} did not say what it speaks (GET /capabilities): ${error instanceof Error ? error.message : String(error)}`)
  }
}

const nameOf = (url: string, local: boolean) => (local ? 'lab' : `lab@${url}`)

export function labIssuer(url: string, adminApiKey: string, local = true): IssuerDriver {
  return {
    implementation: nameOf(url, local),
    url,
    describe: () => describeLab(url, ['validity', 'vital-statistics']),
    async offer({ issuer, ...request }) {
      const { offerId, offerUri, txCode } = await callJson<Offer & { offerId: string }>('POST', `${url}/issuers/${issuer}/offers`, request, adminApiKey)
      const redeemed = async () => {
        const { state, errorMessage } = await callJson<{ state: string; errorMessage?: string }>('GET', `${url}/issuers/${issuer}/offers/${offerId}`, undefined, adminApiKey)
        if (state === 'Error' || state === 'abandoned') throw new DriverError('refused', `the issuer's exchange for offer ${offerId} ended in ${state}${errorMessage ? `: ${errorMessage}` : ''}`)
        return state === 'Completed' || state === 'done' || state === 'credential-issued'
      }
      return { offerUri, txCode, redeemed }
    },
    vitalStatistics: {
      async certify(certifier, registrar, certificate) {
        const { registration } = await callJson<{ registration: { id: string } }>('POST', `${url}/certifiers/${certifier}/certificates`, { certificate: { ...certificate, registrar } }, adminApiKey)
        return { id: registration.id }
      },
      async register(registrar, registrationId, input) {
        const result = await callJson<{ registration: { registrationNumber: string }; offer: Offer; notification: { deliveries: number } }>(
          'POST',
          `${url}/registrars/${registrar}/registrations/${registrationId}/registration`,
          input,
          adminApiKey,
        )
        return { registrationNumber: result.registration.registrationNumber, offer: result.offer, deliveries: result.notification.deliveries }
      },
      correct: (registrar, registrationId, reason) => callJson<{ revoked: number }>('POST', `${url}/registrars/${registrar}/registrations/${registrationId}/correction`, { reason }, adminApiKey),
    },
  }
}

export function labWallet(url: string, local = true): WalletDriver {
  return {
    implementation: nameOf(url, local),
    url,
    describe: () => describeLab(url, ['faults']),
    async reset(holders) {
      for (const holder of holders) await callJson('DELETE', `${url}/personas/${holder}/credentials`)
    },
    async acceptOffer(holder, offer) {
      const { credentials } = await callJson<{ credentials: unknown[] }>('POST', `${url}/personas/${holder}/offers`, { offerUri: offer.offerUri, txCode: offer.txCode })
      return credentials.length
    },
    present: (holder, { requestUri }, fault) => callJson<PresentationOutcome>('POST', `${url}/personas/${holder}/presentations`, { requestUri, fault }),
  }
}

export function labVerifier(url: string, adminApiKey: string, local = true): VerifierDriver {
  return {
    implementation: nameOf(url, local),
    url,
    describe: () => describeLab(url, ['program-inbox']),
    async request(policyId, format, protocol) {
      const request = await callJson<PresentationRequest>('POST', `${url}/verifications`, { policyId, format, protocol })
      const answered = async () => (await callJson<{ decision?: Decision }>('GET', `${url}/verifications/${request.id}`)).decision !== undefined
      return { id: request.id, requestUri: request.requestUri, requestUris: request.requestUris, answered }
    },
    async verdict(request) {
      const { decision } = await callJson<{ decision?: Decision }>('GET', `${url}/verifications/${request.id}`)
      return decision && { outcome: decision.outcome, failedChecks: decision.failedChecks, reason: decision.reasons[0], decision, source: 'decision' }
    },
    async inbox(program) {
      const { notifications } = await callJson<{ notifications: InboxEntry[] }>('GET', `${url}/programs/${program}/inbox`, undefined, adminApiKey)
      return notifications
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

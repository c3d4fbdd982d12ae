import { callJson } from '../client'
import type { IssuerCase } from '../mallory/cases'
import type { MalloryOfferInput } from '../mallory/issuer'
import { DriverError, type IssuerDriver, type Offer } from './types'

/** Mallory's OID4VCI issuer (scenarios/mallory/): `offerCase` makes an offer whose credential is wrong as the case says. */
export interface MalloryIssuerDriver extends IssuerDriver {
  offerCase(kind: IssuerCase, format: MalloryOfferInput['format'], claims: Record<string, unknown>): Promise<Offer>
}

export function malloryIssuer(url: string): MalloryIssuerDriver {
  const offerOf = async (input: MalloryOfferInput): Promise<Offer> => {
    const { offerId, offerUri } = await callJson<{ offerId: string; offerUri: string }>('POST', `${url}/mallory/offers`, input)
    const redeemed = async () => (await callJson<{ delivered: boolean }>('GET', `${url}/mallory/offers/${offerId}`)).delivered
    return { offerUri, redeemed }
  }
  return {
    implementation: 'mallory-issuer',
    url,
    async describe() {
      await callJson('GET', `${url}/health`).catch((error: unknown) => {
        throw new DriverError('unreachable', `Mallory's issuer at ${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`)
      })
      return { protocols: { oid4vc: ['dc+sd-jwt', 'jwt_vc_json'] }, abilities: [] }
    },
    async offer({ format, claims }) {
      if (format !== 'dc+sd-jwt' && format !== 'jwt_vc_json') throw new DriverError('unsupported', `Mallory's issuer offers dc+sd-jwt and jwt_vc_json only, not ${format}`)
      return offerOf({ case: 'honest', format, claims })
    },
    offerCase: (kind, format, claims) => offerOf({ case: kind, format, claims }),
  }
}

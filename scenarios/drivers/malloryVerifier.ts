import type { CredentialFormat } from '@interop-lab/common/credentialTypes'
import { callJson } from '../client'
import type { VerifierCase } from '../mallory/cases'
import type { MalloryRequestInput } from '../mallory/verifier'
import { DriverError, type PresentationRequest, type VerifierDriver } from './types'

/**
 * Mallory's OID4VP 1.0 verifier (scenarios/mallory/): `requestCase` makes a request that is wrong as the case says;
 * `answers` is how many presentations its response endpoint received for it, whatever the wallet says.
 */
export interface MalloryVerifierDriver extends VerifierDriver {
  requestCase(kind: VerifierCase, format: CredentialFormat): Promise<PresentationRequest>
  answers(request: PresentationRequest): Promise<number>
}

const oid4vcFormat = (format: CredentialFormat): MalloryRequestInput['format'] => {
  if (format !== 'dc+sd-jwt' && format !== 'jwt_vc_json') throw new DriverError('unsupported', `Mallory's verifier asks for dc+sd-jwt and jwt_vc_json only, not ${format}`)
  return format
}

export function malloryVerifier(url: string): MalloryVerifierDriver {
  const answers = async (request: PresentationRequest) => (await callJson<{ answers: number }>('GET', `${url}/mallory/requests/${request.id}`)).answers
  const requestCase = async (kind: VerifierCase, format: CredentialFormat): Promise<PresentationRequest> => {
    const request = await callJson<{ id: string; requestUri: string }>('POST', `${url}/mallory/requests`, { case: kind, format: oid4vcFormat(format) })
    return { ...request, answered: async () => (await answers(request)) > 0 }
  }
  return {
    implementation: 'mallory-verifier',
    url,
    async describe() {
      await callJson('GET', `${url}/health`).catch((error: unknown) => {
        throw new DriverError('unreachable', `Mallory's verifier at ${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`)
      })
      return { protocols: { oid4vc: ['dc+sd-jwt', 'jwt_vc_json'] }, abilities: [] }
    },
    request: (_policy, format) => requestCase('control', format),
    // Mallory decides nothing: it only counts what it received
    verdict: async () => undefined,
    requestCase,
    answers,
  }
}

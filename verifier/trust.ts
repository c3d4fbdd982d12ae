import { queryAuthorization, queryRecognition } from '../trust-registry/client'
import type { TrustCheck } from './decision'

/**
 * Two questions to the trust registry, both answered with a signed statement: may this DID issue
 * this credential type in its jurisdiction, and does the verifier's authority recognize that jurisdiction?
 */
export function trustRegistryCheck(registryUrl: string): TrustCheck {
  return async ({ issuer, credentialType, jurisdiction, authority }) => {
    const authorization = await queryAuthorization(registryUrl, { entity_id: issuer, authority_id: jurisdiction, action: 'issue', resource: credentialType })
    if (!authorization.authorized) {
      return { authorized: false, message: `Issuer is not authorized to issue ${credentialType} in ${jurisdiction || 'an unnamed jurisdiction'}: ${authorization.message}`, detail: { authorization } }
    }
    if (jurisdiction === authority) return { authorized: true, message: `Issuer is authorized to issue ${credentialType} in ${jurisdiction}`, detail: { authorization } }
    const recognition = await queryRecognition(registryUrl, { entity_id: jurisdiction, authority_id: authority, action: 'recognize', resource: credentialType })
    return {
      authorized: recognition.recognized,
      message: recognition.recognized
        ? `Issuer is authorized in ${jurisdiction}, and ${authority} recognizes ${jurisdiction} for ${credentialType}`
        : `${authority} does not recognize ${jurisdiction} for ${credentialType}: ${recognition.message}`,
      detail: { authorization, recognition },
    }
  }
}

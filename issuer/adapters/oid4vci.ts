import type { OpenId4VcIssuerApi } from '@credo-ts/openid4vc'
import { absentIfNotFound } from '@interop-lab/common/records'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { configurationId, credentialConfigurations } from '../credentialConfigurations'
import type { JurisdictionIssuer } from '../jurisdictions'
import type { IssuanceAdapter } from '../offers'

/**
 * OID4VCI 1.0: a pre-authorized code offer for the jurisdiction's credential configuration (Credo's issuer); under HAIP 1.0
 * an authorization code offer (its issuer_state names the person the offer is for) whose session requires DPoP and a
 * Wallet Attestation (issuer/haip.ts runs its PAR and authorization endpoints).
 */
export function oid4vciIssuance(issuerApi: OpenId4VcIssuerApi): IssuanceAdapter {
  return {
    async createOffer({ issuer, type, format, signing, txCode, profile, metadata }) {
      const grant =
        profile === 'haip'
          ? { authorizationCodeFlowConfig: {}, authorization: { requireDpop: true, requireWalletAttestation: true } }
          : { preAuthorizedCodeFlowConfig: txCode ? { txCode: { input_mode: 'numeric' as const, length: 6, description: 'Code sent to you separately / Code envoyé séparément' } } : {} }
      const { credentialOffer, issuanceSession } = await issuerApi.createCredentialOffer({
        issuerId: issuer.key,
        credentialConfigurationIds: [configurationId(type.id, format, signing, profile)],
        ...grant,
        issuanceMetadata: metadata,
      })
      return { offerId: issuanceSession.id, offerUri: credentialOffer, txCode: issuanceSession.userPin }
    },
    async offerState(offerId) {
      const session = await issuerApi.getIssuanceSessionById(offerId).catch(absentIfNotFound)
      return session && { offerId: session.id, state: session.state, errorMessage: session.errorMessage }
    },
  }
}

/** The jurisdiction's OID4VCI credential issuer in Credo, created or brought up to date with the types it issues. */
export async function ensureOid4vciIssuer(issuerApi: OpenId4VcIssuerApi, jurisdiction: JurisdictionIssuer, types: Map<string, CredentialType>) {
  const credentialConfigurationsSupported = credentialConfigurations(jurisdiction.credentialTypes.map((id) => types.get(id)!))
  const display = [
    { name: jurisdiction.name.en, locale: 'en-CA' },
    { name: jurisdiction.name.fr, locale: 'fr-CA' },
  ]
  const existing = await issuerApi.getIssuerByIssuerId(jurisdiction.key).catch(absentIfNotFound)
  if (existing) await issuerApi.updateIssuerMetadata({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
  else await issuerApi.createIssuer({ issuerId: jurisdiction.key, credentialConfigurationsSupported, display })
}

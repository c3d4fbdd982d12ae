import { z } from 'zod'

/**
 * OpenID4VC High Assurance Interoperability Profile (HAIP) 1.0 (final, December 2025): each requirement the lab checks,
 * the clause it comes from and its title in English and French. A refusal names its requirement by these ids (an issuer's
 * OAuth error carries it as `haip_requirement`, a verifier's trace step as its subject).
 */
export const HAIP_REQUIREMENTS = {
  par: {
    clause: 'HAIP 1.0 §4 (FAPI 2.0 Security Profile: Pushed Authorization Requests, RFC 9126), §4.3',
    en: 'The authorization request is pushed (PAR) and the authorization endpoint takes only its request_uri',
    fr: 'La demande d’autorisation est poussée (PAR) et le point d’autorisation n’accepte que son request_uri',
  },
  pkce: {
    clause: 'HAIP 1.0 §4 (FAPI 2.0 Security Profile: PKCE, RFC 7636, with S256)',
    en: 'The authorization request carries a PKCE code challenge (S256), and the token request its verifier',
    fr: 'La demande d’autorisation porte un défi PKCE (S256), et la demande de jeton son vérificateur',
  },
  dpop: {
    clause: 'HAIP 1.0 §4: sender-constrained access tokens by DPoP (RFC 9449)',
    en: 'The access token is bound to the wallet’s DPoP key, and every use of it carries a DPoP proof',
    fr: 'Le jeton d’accès est lié à la clé DPoP du portefeuille, et chaque usage porte une preuve DPoP',
  },
  'wallet-attestation': {
    clause: 'HAIP 1.0 §4.4.1: client authentication by Wallet Attestation (OID4VCI 1.0 Appendix E) at the PAR and token endpoints',
    en: 'The wallet authenticates with an attestation from a wallet provider the issuer trusts, and its proof of possession',
    fr: 'Le portefeuille s’authentifie par une attestation d’un fournisseur de portefeuille reconnu par l’émetteur, et sa preuve de possession',
  },
  'key-attestation': {
    clause: 'HAIP 1.0 §4.5.1: key attestation (OID4VCI 1.0 Appendix D) in the jwt proof (key_attestation header)',
    en: 'The key the credential is bound to is attested by the wallet provider',
    fr: 'La clé à laquelle l’attestation est liée est attestée par le fournisseur du portefeuille',
  },
  es256: {
    clause: 'HAIP 1.0 §7: ECDSA P-256 with SHA-256 (ES256; COSE -7)',
    en: 'Signatures are ES256',
    fr: 'Les signatures sont ES256',
  },
  // presentation (OID4VP 1.0 under HAIP 1.0)
  'signed-request': {
    clause: 'HAIP 1.0 §5 (signed Authorization Request by reference: request_uri, RFC 9101, signed by the x5c leaf)',
    en: 'The request is a Request Object passed by reference and signed with the key of its x5c leaf',
    fr: 'La demande est un objet de demande transmis par référence et signé par la clé de sa feuille x5c',
  },
  'client-id': {
    clause: 'HAIP 1.0 §5 / OID4VP 1.0 §5.9.3 (client_id x509_hash: the leaf DER’s SHA-256; x509_san_dns: a DNS SAN of the leaf, the response_uri host)',
    en: 'The client id names the certificate that signs the request',
    fr: 'L’identifiant client désigne le certificat qui signe la demande',
  },
  'request-chain': {
    clause: 'HAIP 1.0 §5 / RFC 5280 §6 (the request’s x5c chains to a verifier root the wallet trusts; the trust anchor is not in x5c, the signing certificate is not self-signed)',
    en: 'The verifier’s certificate chains to a verifier root the trust registry lists',
    fr: 'Le certificat du vérificateur remonte à une racine de vérificateurs inscrite au registre de confiance',
  },
  'encrypted-response': {
    clause: 'HAIP 1.0 §5 / OID4VP 1.0 §8.3 (response_mode direct_post.jwt: a JWE, ECDH-ES P-256, A128GCM or A256GCM, to the key in client_metadata)',
    en: 'The response is encrypted to the verifier’s key (direct_post.jwt)',
    fr: 'La réponse est chiffrée pour la clé du vérificateur (direct_post.jwt)',
  },
  'key-binding': {
    clause: 'HAIP 1.0 §5 (cryptographic holder binding always: SD-JWT VC KB-JWT, RFC 9901 §4.3; mdoc DeviceAuth, ISO 18013-5 §9.1.3)',
    en: 'Every presentation is bound to its holder’s key',
    fr: 'Chaque présentation est liée à la clé de son détenteur',
  },
  dcql: {
    clause: 'HAIP 1.0 §5 / OID4VP 1.0 §6 (the request is a DCQL query; the vp_token is keyed by its credential query ids)',
    en: 'The request is a DCQL query and the response answers it',
    fr: 'La demande est une requête DCQL et la réponse y répond',
  },
  'trusted-authorities': {
    clause:
      'HAIP 1.0 §5 / OID4VP 1.0 §6.1.1.1 (each DCQL credential query names trusted_authorities of type aki; the credential presented has a certificate whose Authority Key Identifier is one of them)',
    en: 'The request names the authorities it trusts by their key identifiers, and each credential is certified by one of them',
    fr: 'La demande désigne les autorités reconnues par leurs identifiants de clé, et chaque attestation est certifiée par l’une d’elles',
  },
  'same-device': {
    clause:
      'HAIP 1.0 §5 / OID4VP 1.0 §8.2 (same-device flow: the verifier answers the wallet’s POST to response_uri with a redirect_uri carrying a response_code, the wallet follows it, and a presentation whose redirect back does not come in the session of its request is rejected)',
    en: 'On the same device, the wallet follows the verifier’s redirect back, in the session of the request',
    fr: 'Sur le même appareil, le portefeuille suit la redirection du vérificateur, dans la session de la demande',
  },
  'credential-chain': {
    clause: 'HAIP 1.0 §6 / RFC 5280 §6 (an SD-JWT VC’s x5c, an mdoc’s x5chain, chains to a root or IACA the trust registry lists for its type)',
    en: 'The credential is signed under a certificate that chains to a listed root',
    fr: 'L’attestation est signée sous un certificat qui remonte à une racine inscrite',
  },
} as const

export type HaipRequirement = keyof typeof HAIP_REQUIREMENTS
export const haipRequirementSchema = z.enum(Object.keys(HAIP_REQUIREMENTS) as [HaipRequirement, ...HaipRequirement[]])

/** The credential type a wallet provider's root is listed for in the trust registry (kind `root`): issuers trust it for Wallet Attestations and key attestations. */
export const WALLET_ATTESTATION_TYPE = 'WalletAttestation'

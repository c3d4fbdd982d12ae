import { CREDENTIALS_CONTEXT_V1_URL } from '@credo-ts/core'
import { CONTEXTS } from '../jsonld'
import { ED25519_2020_CONTEXT_URL } from './credoDocumentLoader'

/** Lab JSON-LD credentials and presentations are signed with this suite (Ed25519 keys of did:jwk / did:key). */
export const LDP_PROOF_TYPE = 'Ed25519Signature2020'

/** The JSON-LD contexts a lab credential uses, in order: VCDM 1.1, the signature suite, the status list, our claims. */
export const LDP_CREDENTIAL_CONTEXTS = [CREDENTIALS_CONTEXT_V1_URL, ED25519_2020_CONTEXT_URL, CONTEXTS.bitstringStatusListV1, CONTEXTS.interopLabCredentialsV1]

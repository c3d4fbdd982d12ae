/**
 * What Mallory does to a wallet, and the rule a conforming wallet applies to refuse it. A conformance row passes when
 * the wallet refused; `clause` is what the row cites.
 */

export const ISSUER_CASES = {
  'bad-signature': {
    title: 'credential whose issuer signature does not verify',
    clause: "OID4VCI 1.0 §8.3 and SD-JWT VC §3.5 / VCDM JWT: the credential's signature must verify with the issuer's key",
  },
  'foreign-cnf': {
    title: 'credential bound (cnf / subject) to a key the wallet does not hold',
    clause: 'OID4VCI 1.0 §8.2, §8.3: the credential is bound to the key the wallet proved possession of (SD-JWT VC §3.2.2.2 cnf)',
  },
  expired: {
    title: 'credential already expired',
    clause: 'SD-JWT VC §3.2.2.2 / RFC 7519 §4.1.4 exp: an expired credential is not accepted',
  },
  'unknown-issuer': {
    title: 'credential from an issuer the trust registry does not know',
    clause: 'Trust registry (TRQP authorization): the issuer must be authorized to issue this type in its jurisdiction',
  },
  'wrong-type': {
    title: 'credential of another type (vct / type) than the one offered',
    clause: 'OID4VCI 1.0 §8.3, Appendix A: the credential has the vct / type of the offered credential configuration',
  },
} as const
export type IssuerCase = keyof typeof ISSUER_CASES

export const VERIFIER_CASES = {
  control: {
    title: 'an honest request, signed by its client, asking only what its purpose needs (must be answered)',
    clause: 'OID4VP 1.0 §5, §8: control case, a conforming request',
  },
  'over-asking': {
    title: 'request asking for more claims than its declared purpose needs',
    clause: "OID4VP 1.0 §5.1 verifier_info and data minimization: no claim beyond the declared purpose's necessary claims",
  },
  'unsigned-request': {
    title: 'unsigned request (parameters by value, no request object) under a decentralized_identifier client id',
    clause: 'OID4VP 1.0 §5.9.3: with the decentralized_identifier prefix the request MUST be signed with a key of that DID',
  },
  'wrong-signature': {
    title: "request object whose signature does not verify with the client's key",
    clause: "RFC 9101 §6.2, OID4VP 1.0 §5.9.3: the request object's signature must verify with the key its kid names",
  },
  'wrong-client-id': {
    title: 'request object signed by another DID than the one in client_id',
    clause: 'OID4VP 1.0 §5.9.3: the signing key must belong to the DID the client_id names',
  },
  'replayed-request': {
    title: 'the same request (same nonce and state) sent a second time',
    clause: 'OID4VP 1.0 §5.2 nonce (fresh per request) and §14.1: a wallet does not answer a request it already answered',
  },
  'foreign-response-uri': {
    title: 'response_uri on another host than the client id allows',
    clause: 'OID4VP 1.0 §5.9.3 redirect_uri prefix: the response_uri must be the client identifier',
  },
  // HAIP 1.0 (a haip-vp:// request with an X.509 client id): the wallet names the requirement (signed-request, client-id, request-chain)
  'haip-unsigned-request': {
    title: 'HAIP request passed by value, unsigned, under an x509_hash client id',
    clause: 'HAIP 1.0 §5 (signed-request): a signed Request Object by reference (request_uri, RFC 9101) with x5c',
  },
  'haip-wrong-client-id-hash': {
    title: 'HAIP request whose x509_hash client id is not the hash of the certificate that signs it',
    clause: 'HAIP 1.0 §5 / OID4VP 1.0 §5.9.3 (client-id): x509_hash is the base64url SHA-256 of the x5c leaf DER',
  },
  'haip-untrusted-request-chain': {
    title: 'HAIP request signed under a certificate that chains to no verifier root the trust registry lists',
    clause: 'HAIP 1.0 §5 / RFC 5280 §6 (request-chain): the x5c chains to a verifier root the wallet trusts',
  },
} as const
export type VerifierCase = keyof typeof VERIFIER_CASES

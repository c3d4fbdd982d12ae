/**
 * Every place the lab works around a dependency (Credo and the libraries under it): what it replaces, why, and when it
 * can go. Each entry fingerprints the upstream code it replaces or relies on (the exact source text of a method in the
 * installed package), so that tests/credo-extensions.test.ts fails, naming the patch to revisit, when upstream changes.
 * The patches themselves stay where they are used; this is the list of them.
 */

/** A method of an installed package, as the patch found it. */
export interface UpstreamCode {
  package: string
  /** The version the fingerprint was taken from. */
  version: string
  /** Path inside the package (the ESM build the lab imports). */
  file: string
  /** `Class.method` (the class as the build names it). */
  symbol: string
  /** SHA-256 (hex) of the method's source text, from its name to its closing brace. */
  sha256: string
}

export interface CredoExtension {
  id: string
  /** Where the patch lives: repository-relative file and the symbol defined there. */
  lab: { file: string; symbol: string }[]
  upstream: UpstreamCode[]
  /** The upstream bug or missing feature. */
  reason: string
  /** What upstream has to do before the patch can be deleted. */
  removeWhen: string
}

const CORE = '0.6.3'
const core = (file: string, symbol: string, sha256: string): UpstreamCode => ({ package: '@credo-ts/core', version: CORE, file, symbol, sha256 })
const didcomm = (file: string, symbol: string, sha256: string): UpstreamCode => ({ package: '@credo-ts/didcomm', version: CORE, file, symbol, sha256 })
const openid4vc = (file: string, symbol: string, sha256: string): UpstreamCode => ({ package: '@credo-ts/openid4vc', version: CORE, file, symbol, sha256 })
const anoncreds = (file: string, symbol: string, sha256: string): UpstreamCode => ({ package: '@credo-ts/anoncreds', version: CORE, file, symbol, sha256 })

const JWT_VC_SERVICE = 'build/modules/vc/jwt-vc/W3cJwtCredentialService.mjs'
const JSON_LD_SERVICE = 'build/modules/vc/data-integrity/W3cJsonLdCredentialService.mjs'
const SD_JWT_VC_SERVICE = 'build/modules/sd-jwt-vc/SdJwtVcService.mjs'
const JSON_LD_FORMAT = 'build/modules/credentials/formats/jsonld/DidCommJsonLdCredentialFormatService.mjs'
const PE_FORMAT = 'build/modules/proofs/formats/dif-presentation-exchange/DidCommDifPresentationExchangeProofFormatService.mjs'
const VP_VERIFIER = 'build/openid4vc-verifier/OpenId4VpVerifierService.mjs'
const KMS_API = 'build/modules/kms/KeyManagementApi.mjs'
const DCQL_SERVICE = 'build/modules/dcql/DcqlService.mjs'

export const credoExtensions: readonly CredoExtension[] = [
  {
    id: 'jwt-vc-status-after-trust',
    lab: [{ file: 'common/status/statusAfterTrust.ts', symbol: 'StatusAfterTrustW3cJwtCredentialService' }],
    upstream: [core(JWT_VC_SERVICE, 'W3cJwtCredentialService.verifyCredential', 'b978167d1bd69feaa3bcd62fd9db83d47e827f50b6c12303375b4eec1fd76b4c')],
    reason:
      "Credo's OpenID4VP verifier always asks for a JWT VC's status, and the status list URL is the credential's own: the verifier must not fetch it before the trust registry says the issuer is trusted.",
    removeWhen: 'Credo lets an OpenID4VP verifier defer or supply status checking (a per-verification option or hook).',
  },
  {
    id: 'mso-status',
    lab: [{ file: 'issuer/msoStatus.ts', symbol: 'StatusMdocService' }],
    upstream: [
      core('build/modules/mdoc/Mdoc.mjs', 'Mdoc.sign', 'b5bd27c9a90757ca8f7a70fb9fa8e93c9a7cd1e666f70f3a840256752580ab17'),
      core('build/modules/mdoc/MdocService.mjs', 'MdocService.signMdoc', '15e67569f646a2eaefc5b94f3e12dd2ccf1d2ec11477cd899b3a17f3296b531c'),
    ],
    reason:
      "Credo's `Mdoc.sign` (through @animo-id/mdoc's `Document`) builds the MSO with no `status` and no way to add one: the lab builds the MSO the same way with the Token Status List reference (ISO 18013-5 2nd edition) and signs its COSE_Sign1 with the document signer's KMS key.",
    removeWhen: "Credo's mdoc sign options (and @animo-id/mdoc's `Document`) take an MSO `status`.",
  },
  {
    id: 'sd-jwt-vc-status-after-trust',
    lab: [
      { file: 'common/status/statusAfterTrust.ts', symbol: 'StatusAfterTrustSdJwtVcService' },
      { file: 'common/status/statusAfterTrust.ts', symbol: 'getBaseSdJwtConfig' },
    ],
    upstream: [
      core(SD_JWT_VC_SERVICE, 'SdJwtVcService.verify', 'd25bbf81dd187c875ddb084e18ca42437a6507bb3582e2fa47d983c51f5925c6'),
      core(SD_JWT_VC_SERVICE, 'SdJwtVcService.getBaseSdJwtConfig', '7743b4a6771928e14aa8a718b12e54bd801d28753fbb79bd80abddbfa5e11a78'),
      core(SD_JWT_VC_SERVICE, 'SdJwtVcService.getStatusListFetcher', '8a954d6a782fe653e2e9474601885aa00ca5a13725b847a835be11fbf3addc52'),
    ],
    reason:
      "Credo (through @sd-jwt/sd-jwt-vc) fetches and checks an SD-JWT VC's status list inside `verify`, with no option to skip it; the lab replaces the TypeScript-private `getBaseSdJwtConfig` on its subclass so nothing is fetched before the issuer is trusted.",
    removeWhen: '`SdJwtVcService.verify` takes an option to skip the status check, or a per-call status list fetcher.',
  },
  {
    id: 'sd-jwt-vc-full-salts',
    lab: [
      { file: 'issuer/sdJwtSalts.ts', symbol: 'FullSaltSdJwtVcService' },
      { file: 'issuer/sdJwtSalts.ts', symbol: 'getBaseSdJwtConfig' },
    ],
    upstream: [core(SD_JWT_VC_SERVICE, 'SdJwtVcService.getBaseSdJwtConfig', '7743b4a6771928e14aa8a718b12e54bd801d28753fbb79bd80abddbfa5e11a78')],
    reason:
      "Credo's salt generator draws the bytes @sd-jwt/core asks for (16) and keeps 16 base64url characters of them: 96 bits per disclosure salt, below the 128 bits RFC 9901 §4.2.1 recommends. The issuer's SdJwtVcService keeps every drawn byte.",
    removeWhen: "Credo's `getBaseSdJwtConfig` salt generator stops truncating the encoded bytes.",
  },
  {
    id: 'jwt-vc-bitstring-status',
    lab: [{ file: 'common/status/credoW3cStatus.ts', symbol: 'StatusCheckingW3cJwtCredentialService' }],
    upstream: [core(JWT_VC_SERVICE, 'W3cJwtCredentialService.verifyCredential', 'b978167d1bd69feaa3bcd62fd9db83d47e827f50b6c12303375b4eec1fd76b4c')],
    reason: 'Credo fails every JWT VC that carries `credentialStatus` ("Verifying credential status is not supported for JWT VCs"), so a status-bearing W3C credential never verifies.',
    removeWhen: 'Credo verifies Bitstring Status List entries of JWT VCs.',
  },
  {
    id: 'json-ld-bitstring-status',
    lab: [
      { file: 'common/status/credoJsonLdStatus.ts', symbol: 'StatusCheckingW3cJsonLdCredentialService' },
      { file: 'common/status/credoJsonLdStatus.ts', symbol: 'getSignatureSuitesForCredential' },
    ],
    upstream: [
      core(JSON_LD_SERVICE, 'W3cJsonLdCredentialService.verifyCredential', '40bbf07194262c3e1d8035628aeb9c70026855397d33cf195bb26a8d06e659dc'),
      core(JSON_LD_SERVICE, 'W3cJsonLdCredentialService.verifyPresentation', '62b7ecc2fe7d03190848f6e89bd25c33e3be6f7d471c4d68d36663a80251fd50'),
      core(JSON_LD_SERVICE, 'W3cJsonLdCredentialService.getSignatureSuitesForCredential', '740d6b2d919a77d66c59349c6ede8741c5876fa4270eca5b13ae30b53223b106'),
    ],
    reason:
      'Credo refuses every JSON-LD credential with `credentialStatus` ("currently not supported"), in a credential and inside a presentation; the lab re-runs vc.js with its own status check and the TypeScript-private suite factory.',
    removeWhen: 'Credo verifies JSON-LD credential status (a `checkStatus` it passes to vc.js).',
  },
  {
    id: 'ed25519-2020-presentation-context',
    lab: [{ file: 'common/didcomm/LabJsonLdCredentialService.ts', symbol: 'LabJsonLdCredentialService' }],
    upstream: [
      core(JSON_LD_SERVICE, 'W3cJsonLdCredentialService.signPresentation', '8d9e257ab27db892526fe6df63cd43cadfedb2102080cb8634f145cc100d3151'),
      core(
        'build/modules/vc/data-integrity/signature-suites/ed25519/Ed25519Signature2020.mjs',
        'Ed25519Signature2020.ensureSuiteContext',
        '277e4fcf6bd6fba56234ea100c6f6004e723ab99299c721029e434a193b322bd',
      ),
    ],
    reason: "Ed25519Signature2020 adds its context only to a document without the VCDM 1.1 context, so a presentation's proof `challenge` is an undefined term and safe-mode canonicalization fails.",
    removeWhen: 'Ed25519Signature2020.ensureSuiteContext adds the suite context whenever the proof uses its terms.',
  },
  {
    id: 'ed25519-2018-multicodec',
    lab: [
      { file: 'common/didcomm/LabJsonLdCredentialService.ts', symbol: 'LabEd25519Signature2018' },
      { file: 'common/didcomm/LabJsonLdCredentialService.ts', symbol: 'LabSignatureSuiteRegistry' },
    ],
    upstream: [
      core(
        'build/modules/vc/data-integrity/signature-suites/ed25519/Ed25519Signature2018.mjs',
        'Ed25519Signature2018.getVerificationMethod',
        'd32d5d39cc400d8bc67541cb56389bf3b77ebd8a5a2c22e8a98f8e80810ae138',
      ),
      core('build/modules/vc/data-integrity/SignatureSuiteRegistry.mjs', 'SignatureSuiteRegistry.constructor', '9e60dcd8298bb83f517b43e20b25d5ef85cc1979dc7f864905d84f28dd8eb512'),
    ],
    reason:
      "Ed25519Signature2018 turns an Ed25519VerificationKey2020's `publicKeyMultibase` into `publicKeyBase58` with the 0xed01 multicodec prefix left in (34 bytes, \"Invalid JWK data\"), so ACA-Py's 2018 proofs never verify against the lab's keys.",
    removeWhen: 'Ed25519Signature2018.getVerificationMethod strips the multicodec prefix.',
  },
  {
    id: 'rfc0593-holder-bound-json-ld',
    lab: [{ file: 'common/didcomm/HolderBoundJsonLdFormatService.ts', symbol: 'HolderBoundJsonLdFormatService' }],
    upstream: [
      didcomm(JSON_LD_FORMAT, 'DidCommJsonLdCredentialFormatService.shouldAutoRespondToRequest', 'e5063f089610719feb380b4f8630006030521c9a7831158c209bd29d07e3fd8b'),
      didcomm(JSON_LD_FORMAT, 'DidCommJsonLdCredentialFormatService.acceptRequest', '6d0541b81aaa87de72e8b067561ec22d819f4aaa6c5e962b80fb0d3df278e46f'),
      didcomm(JSON_LD_FORMAT, 'DidCommJsonLdCredentialFormatService.processCredential', 'af97417929b23646698a51d812491e0407c42ec27bb855528431b9140317ddfb'),
    ],
    reason:
      'RFC 0593 as Credo reads it: a request must equal the offer (no holder-chosen subject id), the `credentialStatus` option is refused, a missing `proofPurpose` is not read as `assertionMethod`, and the signing key is looked up by proof type, which a did:jwk does not list.',
    removeWhen: "Credo's JSON-LD credential format honours RFC 0593 `credentialStatus`, the `proofPurpose` default and holder binding of out-of-band offers.",
  },
  {
    id: 'pe-expanded-type-iri',
    lab: [{ file: 'common/didcomm/LabPresentationExchangeFormatService.ts', symbol: 'LabPresentationExchangeFormatService' }],
    upstream: [
      didcomm(PE_FORMAT, 'DidCommDifPresentationExchangeProofFormatService.getCredentialsForRequest', '0f2d735679c298be0d873630a2066dddd0732019c13dbccd711101f957a8218a'),
      didcomm(PE_FORMAT, 'DidCommDifPresentationExchangeProofFormatService.selectCredentialsForRequest', 'ee6b173833fd7387e30e5f9a72d598eadda1e573b9964c67b7511f64df519f19'),
      core(
        'build/modules/dif-presentation-exchange/DifPresentationExchangeService.mjs',
        'DifPresentationExchangeService.getCredentialsForRequest',
        '76760e532bd14a4e01e1064e6b16ddb1bfe4d3c15a922ce521ce80e9c4f5bb5c',
      ),
    ],
    reason: "DIF PE v1 `schema` filters name a type by its expanded IRI (ACA-Py does); Credo's matcher compares the `uri` with the compact names in a credential's `type` and finds nothing.",
    removeWhen: 'Credo (or @animo-id/pex) expands credential types through their JSON-LD context before matching `schema`.',
  },
  {
    id: 'connectionless-problem-reports',
    lab: [
      { file: 'common/didcomm/ConnectionlessProblemReports.ts', symbol: 'sendRefusal' },
      { file: 'common/didcomm/ConnectionlessProblemReports.ts', symbol: 'receiveRefusal' },
      { file: 'common/didcomm/ConnectionlessProblemReports.ts', symbol: 'refuseCredential' },
    ],
    upstream: [
      didcomm('build/DidCommDispatcher.mjs', 'DidCommDispatcher.dispatch', '060bae7e52176e9f02ba1370131e2a69103ad4faec6c0b16b59ba63aa3a084eb'),
      didcomm('build/modules/proofs/protocol/DidCommBaseProofProtocol.mjs', 'DidCommBaseProofProtocol.processProblemReport', '123581362abd1a3247febc14399cd909d308dd040ab07bdc3c2cf190a55e3123'),
      didcomm(
        'build/modules/credentials/protocol/v2/handlers/DidCommIssueCredentialV2Handler.mjs',
        'DidCommIssueCredentialV2Handler.handle',
        '656df44a775f036fef85d18cbe2d1f746678f1674e080a4d823074ed64380099',
      ),
    ],
    reason:
      'In an out-of-band (connectionless) exchange Credo sends a problem report only over a connection, the prover expects to be the invitation sender when one arrives, and a refused credential is only logged: the other party waits until it gives up.',
    removeWhen: "Credo answers problem reports on the exchange's own services (as it does acks) and abandons a refused credential exchange.",
  },
  {
    id: 'anoncreds-keep-misencoded-presentation',
    lab: [{ file: 'common/anoncreds/KeepingProofFormatService.ts', symbol: 'KeepingProofFormatService' }],
    upstream: [
      anoncreds('build/formats/AnonCredsDidCommProofFormatService.mjs', 'AnonCredsDidCommProofFormatService.processPresentation', 'fd277f76ddc1ce8213b5087f537c4f57c6cd037e9170bfa2e0c0f2c75f8e0219'),
    ],
    reason: 'A presentation whose revealed raw value does not encode to its encoded value makes Credo throw before it keeps the presentation, so the verifier cannot explain the refusal.',
    removeWhen: "Credo's AnonCreds proof format records such a presentation as not verified instead of throwing.",
  },
  {
    id: 'anoncreds-encoding-check',
    lab: [{ file: 'common/anoncreds/EncodingCheckedVerifierService.ts', symbol: 'EncodingCheckedVerifierService' }],
    upstream: [anoncreds('build/anoncreds-rs/AnonCredsRsVerifierService.mjs', 'AnonCredsRsVerifierService.verifyProof', '66ef682e8197b1982854b905c63224017f5bfd1052ac17795d5a7090f4d2d1bf')],
    reason: 'The proof covers encoded values only; neither Credo nor anoncreds-rs checks that a revealed raw value encodes to its encoded value, so a forged raw value verifies.',
    removeWhen: "Credo's AnonCreds verifier checks revealed values against their encoding.",
  },
  {
    id: 'anoncreds-wasm-backend',
    lab: [{ file: 'common/anoncreds/AnonCredsBackendModule.ts', symbol: 'AnonCredsBackendModule' }],
    upstream: [anoncreds('build/AnonCredsModule.mjs', 'AnonCredsModule.register', '79e0ab0095e2e05611636ae368e14b0ea6dfb558c4f0db49b68e196d4ec8df54')],
    reason:
      "Credo's AnonCreds services need the native anoncreds-rs library (ffi-napi), which does not load everywhere; the lab registers WASM services in its place (and Credo keeps the `anoncreds` option without reading it).",
    removeWhen: 'The native library loads wherever the lab runs (Credo 0.7 moves anoncreds to 0.4 on koffi), or Credo ships a WASM backend.',
  },
  {
    id: 'oid4vci-private-nonce-check',
    lab: [{ file: 'issuer/credentialRequests.ts', symbol: 'verifyNonce' }],
    upstream: [openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.verifyNonce', 'c581f825cca7692fc918a4942a32a41709e6d6b237fd25ba140d8a2a486daa9c')],
    reason:
      "The lab checks key proofs before Credo to answer OID4VCI 1.0 §8.3.1.2 errors (invalid_nonce vs invalid_proof); Credo's c_nonce check is TypeScript-private, and is called so that both checks never disagree.",
    removeWhen: 'Credo exposes c_nonce verification, or answers `invalid_nonce` itself.',
  },
  {
    id: 'oid4vp-request-aud-and-algorithms',
    lab: [{ file: 'verifier/oid4vp/requestObject.ts', symbol: 'Oid4vp1VerifierService' }],
    upstream: [
      openid4vc(VP_VERIFIER, 'OpenId4VpVerifierService.getOpenid4vpVerifier', 'df64d2dc6a737605c267112508e980b9b781673c4c5c69f005b077213d42a0ee'),
      openid4vc(VP_VERIFIER, 'OpenId4VpVerifierService.getClientMetadata', 'a8d9ed0212ff9efc2ce92424ede95cd0701fb876e8167dca54f2577e8a3c83f5'),
    ],
    reason:
      'OID4VP 1.0 §5.8: a request object fetched with GET has `aud` https://self-issued.me/v2, and Credo puts the request URI there; Credo also advertises every algorithm its KMS signs with (EdDSA, HS*) in `vp_formats_supported`. Both methods are TypeScript-private.',
    removeWhen: 'Credo sets the static-discovery `aud` and advertises fully specified asymmetric algorithms only (RFC 9864).',
  },
  {
    id: 'sd-jwt-status-list-decoding',
    lab: [{ file: 'common/status/fastStatusListDecoding.ts', symbol: 'installFastStatusListDecoding' }],
    upstream: [
      {
        package: '@sd-jwt/jwt-status-list',
        version: '0.19.0',
        file: 'dist/index.mjs',
        symbol: 'StatusList.decompressStatusList',
        sha256: '39269e1afd123a60535328de4e67480cfbed68fd07a13b0e197bee7852ff0fff',
      },
    ],
    reason:
      "@sd-jwt/jwt-status-list formats every byte as a binary string and range-checks every status: about 4 ms per 131,072-entry list, a quarter of a verifier's CPU in the bench. The static method is replaced (same statuses out).",
    removeWhen: '@sd-jwt/jwt-status-list unpacks a list with typed arrays.',
  },
  {
    id: 'didcomm-v1-envelope-kms',
    lab: [{ file: 'common/persistence/DidCommKeyManagementService.ts', symbol: 'DidCommKeyManagementService' }],
    upstream: [
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.isOperationSupported',
        sha256: '9962b70481f8b786876d7d82014613b2f356f29be36fb06e61d0c3b07bdc3ad3',
      },
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.encrypt',
        sha256: '538fa5e953f1221eb613b70eb672a0e02891397685589b170b7baa0174067954',
      },
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.decrypt',
        sha256: 'dea4aa7bdc7c44d77d86f46742800664de882e7b40f2c19446edb11c4ad8f992',
      },
    ],
    reason: "DIDComm v1 envelopes need libsodium's crypto_box and crypto_box_seal (ECDH-HSALSA20 + XSALSA20-POLY1305); only Credo's Askar KMS has them, not the Node KMS the lab uses.",
    removeWhen: "Credo's Node KMS supports ECDH-HSALSA20 with XSALSA20-POLY1305.",
  },
  {
    id: 'kms-api-schemas-built-once',
    lab: [{ file: 'common/persistence/prebuiltKmsSchemas.ts', symbol: 'installPrebuiltKmsSchemas' }],
    upstream: [
      core(KMS_API, 'KeyManagementApi.createKey', '87b8d626e78a9aa2c58d173007eb3319ca934940c2b0bc56173ff49d11cca4f1'),
      core(KMS_API, 'KeyManagementApi.sign', '30178f8c8b16d5181bdf2dd602d3e9ffd53f1bfb1b3b7a38ad30be6f8a4fad67'),
      core(KMS_API, 'KeyManagementApi.verify', '02fe89580868d4410a84383f509c724106832515871c30b426dcae0b7c1d577f'),
      core(KMS_API, 'KeyManagementApi.getPublicKey', 'f56f23ad6a1b16173401a3e2a5270632f5793b2a40f2d67d18e035e417109234'),
      core(KMS_API, 'KeyManagementApi.randomBytes', 'c0780034da34895c0376a7a9815edb87901b0685dd6524c07f299a07081ec7c1'),
    ],
    reason:
      "Credo's KeyManagementApi composes each method's options schema on every call (`zWithBackend(schema)`, a new zod intersection that zod compiles before parsing: about 120 µs), and an issuance signs, verifies and draws salts dozens of times. The lab's methods are Credo's, parsing against the same schemas composed once.",
    removeWhen: "Credo's KeyManagementApi composes its `zWithBackend` schemas once (at module level).",
  },
  {
    id: 'kms-key-objects-kept',
    lab: [{ file: 'common/kms/KeptKeyObjectsKeyManagementService.ts', symbol: 'KeptKeyObjectsKeyManagementService' }],
    upstream: [
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.sign',
        sha256: '55b1b4e0cc8d83c07c4e90e9eefddcd41d0d28f35fb865ecf3781b85b0a8a1e5',
      },
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.verify',
        sha256: 'a5ac14eb2466aacabb9cdd43dd354ada2b11d02bc9a850f07ed556f4198d0015',
      },
      {
        package: '@credo-ts/node',
        version: '0.6.0-alpha-20251127043254',
        file: 'build/kms/NodeKeyManagementService.mjs',
        symbol: 'NodeKeyManagementService.getPublicKey',
        sha256: 'e37813268fea0f42cb32067e264c8fe5dbd9c563557904faf923f7e38317298f',
      },
    ],
    reason:
      "Credo's Node KMS imports the private JWK into a Node KeyObject on every signature and the public JWK on every verification (performSign and performVerify in build/kms/crypto/sign.mjs and verify.mjs, functions no fingerprint covers: re-read them on an upgrade), and derives the public JWK (a zod parse) on every key lookup and verification: ~5 signatures and ~5 verifications per issuance. The lab's sign, verify and getPublicKey are Credo's checks in Credo's order for EC and Ed25519 keys, with each opened key's KeyObjects and public JWK kept with it in SealedKeyStorage, and public keys kept by their exact JWK.",
    removeWhen: "Credo's Node KMS keeps imported KeyObjects per key (or its storage can hand one over).",
  },
  {
    id: 'did-web-through-outbound-guard',
    lab: [{ file: 'common/net/webDidResolver.ts', symbol: 'AgentFetchWebDidResolver' }],
    upstream: [core('build/modules/dids/methods/web/WebDidResolver.mjs', 'WebDidResolver.resolve', 'e461ec253da50ff4f5fef99acd3e9c48a659dc642993058947bd125c409bbd78')],
    reason: "Credo's did:web resolver fetches through web-did-resolver (the global fetch), to any host, not through the agent's `fetch` (the issuer's and verifier's outbound guard).",
    removeWhen: "Credo's WebDidResolver fetches with `agentContext.config.agentDependencies.fetch`.",
  },
  {
    id: 'did-exchange-response-pthid',
    lab: [{ file: 'common/didcomm/didExchangeResponseThread.ts', symbol: 'installDidExchangeResponseThread' }],
    upstream: [didcomm('build/modules/connections/DidExchangeProtocol.mjs', 'DidExchangeProtocol.createResponse', 'd725741051cc68be6911ccc46db51c9cd401fb0289144fb30fdbbfe8696e7c76')],
    reason:
      "Credo's DID Exchange response carries no `~thread.pthid`; ACA-Py 1.6, accepting a lab invitation, builds its `complete` from the response's thread, fails its schema ('Missing required field(s) in thread decorator') and sends none, leaving the lab's connection `response-sent`. The method is wrapped to name the invitation as parent thread.",
    removeWhen: "Credo's DidExchangeProtocol.createResponse sets the parent thread id.",
  },
  {
    id: 'did-webvh-through-outbound-guard',
    lab: [
      { file: 'common/net/webvhDidResolver.ts', symbol: 'AgentFetchWebVhDidResolver' },
      { file: 'common/net/webvhDidResolver.ts', symbol: 'WebVhResolutionModule' },
    ],
    upstream: [
      {
        package: '@credo-ts/webvh',
        version: CORE,
        file: 'build/dids/WebVhDidResolver.mjs',
        symbol: 'WebVhDidResolver.resolveResource',
        sha256: '104a2e2049f1bf02eb584f345ce860b8d10394c2060d0d2ea4fc1b5a99290ef3',
      },
      {
        package: '@credo-ts/webvh',
        version: CORE,
        file: 'build/dids/WebVhDidResolver.mjs',
        symbol: 'WebVhDidResolver.resolveDidDoc',
        sha256: '1bef780a39724409440345f11b3a55a56cb615252b331cf2164aacae5ad5abce',
      },
    ],
    reason:
      "Credo's did:webvh resolver fetches the log through didwebvh-ts with the global fetch, over https only, to any host; its resource URLs read a port in the DID (`localhost%3A4200`) as part of the host name. The lab's reads both through the agent's `fetch` (the outbound guard), with the port decoded.",
    removeWhen: "Credo's WebVhDidResolver fetches with `agentContext.config.agentDependencies.fetch` and decodes the port.",
  },
  {
    id: 'record-events-copied-for-listeners',
    lab: [{ file: 'common/persistence/unheardRecordEvents.ts', symbol: 'installUnheardRecordEvents' }],
    upstream: [
      core('build/storage/Repository.mjs', 'Repository.save', 'b60780921065628210458e0187180eff5606c69c600afe7b66383def485694ad'),
      core('build/storage/Repository.mjs', 'Repository.update', 'cd8afa80577c5ef6202d9ef2074a3d13cc2f81bf57270c25eb12d83f5114d924'),
      core('build/storage/Repository.mjs', 'Repository.delete', '3179eb3f0d2326035f7ed83f1c2f6e0f0824b071c1ef8a990c02004bd924648f'),
      openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.emitStateChangedEvent', '581be459e24285838501f0dc7e4d01d7d03cffbdc929da012a4832fb9ba1305e'),
      openid4vc(VP_VERIFIER, 'OpenId4VpVerifierService.emitStateChangedEvent', '65e2606e989764be7c1bbf7f7d45362396cab8b450e7d18f1e4a78c8895c1e50'),
    ],
    reason:
      "Credo copies a record (class-transformer's instanceToInstance) for the event it emits on every save, update and delete, and on every OID4VCI issuance and OID4VP verification session state change, whether or not the event has a listener (neither Credo nor the lab listens to these): a third of an issuance's record handling. The lab's Repository methods are Credo's, and both services' TypeScript-private `emitStateChangedEvent` is wrapped, to copy and emit only for an event that has a listener.",
    removeWhen: 'Credo emits record and session events without copying the record when nothing listens (or stops copying event payloads).',
  },
  {
    id: 'class-validator-rules-looked-up-once',
    lab: [{ file: 'common/persistence/validationMetadataCache.ts', symbol: 'installValidationMetadataCache' }],
    upstream: [
      {
        package: 'class-validator',
        version: '0.14.4',
        file: 'cjs/metadata/MetadataStorage.js',
        symbol: 'MetadataStorage.getTargetValidationMetadatas',
        sha256: '14084175191d6a950e756d9f1de3fca9734e5dcce078aefc04f0d3841be8ba93',
      },
      {
        package: 'class-validator',
        version: '0.14.4',
        file: 'cjs/metadata/MetadataStorage.js',
        symbol: 'MetadataStorage.addValidationMetadata',
        sha256: 'c8f6d403892d66d8b5f6610bcdbf1fc544e143c51fc9e59a3d17f99bc782a7eb',
      },
    ],
    reason:
      'class-validator scans every validated class it knows (hundreds in Credo) with an `instanceof` for each object it validates, to find the rules a class inherits: a quarter of the CPU of building a Credo record from stored JSON. The lab keeps each answer per class and arguments, forgotten whenever a rule is registered.',
    removeWhen: 'class-validator caches the rules of a class (or Credo builds records without validating them through class-validator).',
  },
  {
    id: 'oid4vci-proofs-verified-once',
    lab: [
      { file: 'issuer/credentialRequests.ts', symbol: 'takeVerifiedProofs' },
      { file: 'issuer/credentialRequests.ts', symbol: 'verifiedIssuance' },
    ],
    upstream: [
      openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.verifyCredentialRequestProofs', 'b82aa333cb07c0d7d18f13b391c3fae3d6fb100a644e628c0910948dbbbbc99d'),
      openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.createCredentialResponse', '7cdb94a3ddbbb97b18919dc9b936ae1c997144fd1e608db38be552c20b2f5b6a'),
    ],
    reason:
      "The lab checks a credential request before Credo (OID4VCI 1.0 §8.3.1.2 error codes, the offer left open on a refusal); Credo's credential endpoint then verified the access token, read the session, parsed the request and verified every key proof and its c_nonce again. The lab issues through `createCredentialResponse` itself (what `configureCredentialEndpoint` does once it has checked, a function no fingerprint covers: re-read it on an upgrade), and the TypeScript-private `verifyCredentialRequestProofs` takes the lab's verification for that session record, with Credo's rules on the proofs' keys checked by the lab.",
    removeWhen: 'Credo lets a credential request be issued with a holder binding verified by the caller (or answers OID4VCI 1.0 errors, leaving the offer open, itself).',
  },
  {
    id: 'oid4vci-pre-authorized-code-claimed-once',
    lab: [{ file: 'issuer/redemption.ts', symbol: 'claimedBeforeCredo' }],
    upstream: [openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.updateState', '231b69abc72cb01ccb20e7d635fa5653ead1ffd869db4fb580c5ad50365ca2ff')],
    reason:
      "Credo's token endpoint (`configureAccessTokenEndpoint`, a function no fingerprint covers: re-read it on an upgrade) stores the session as AccessTokenRequested before making the token, its claim of the pre-authorized code, then as AccessTokenCreated: two record writes per token. The lab claims the code in a table of its own before Credo's endpoint, and for that request `updateState` moves the session to AccessTokenRequested in memory only.",
    removeWhen: 'Credo claims a pre-authorized code with one write (or lets the caller claim it).',
  },
  {
    id: 'oid4vci-nonce-once-per-second',
    lab: [{ file: 'issuer/nonces.ts', symbol: 'noncesOncePerSecond' }],
    upstream: [
      openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.createNonce', 'b6b2395dae17486bb9e126284c44391a429bf998d276fd300ac6cbd647e0a98e'),
      openid4vc('build/openid4vc-issuer/OpenId4VcIssuerService.mjs', 'OpenId4VcIssuerService.verifyNonce', 'c581f825cca7692fc918a4942a32a41709e6d6b237fd25ba140d8a2a486daa9c'),
    ],
    reason:
      "Credo signs a new c_nonce for every token response, credential response and Nonce Endpoint call, and verifies its signature on every key proof, though its nonce (a JWS over `iss` and `exp` in whole seconds, by the issuer's Ed25519 access token key) is the same string for every call within a second. The lab signs it once per issuer and second, and a nonce this process made comes back with only its expiry checked (TypeScript-private `verifyNonce`).",
    removeWhen: 'Credo keeps its c_nonce for its lifetime, or its nonces become single-use (then this reuse must go).',
  },
  {
    id: 'dcql-match-kept-per-records',
    lab: [{ file: 'wallet-sim/keptDcqlMatches.ts', symbol: 'KeptMatchesDcqlService' }],
    upstream: [
      core(DCQL_SERVICE, 'DcqlService.getCredentialsForRequest', 'ebefa7daf31153c2f91cceffc3c99087126948ba4b72bdd4e5c973b24989e87e'),
      core(DCQL_SERVICE, 'DcqlService.queryCredentialsForDcqlQuery', 'af2b3a623c8a0ded43ca595a85a1cb135f2a57ae76a66a9cc810a182fe8ee7e7'),
      core(DCQL_SERVICE, 'DcqlService.dcqlCredentialForRequestForValidCredential', '7077e3c52410f2a3579cfa233ce0276a6a8bea1336e3a37f683a70c71ffd843f'),
    ],
    reason:
      "Credo's DCQL holder matching decodes every credential record read on each request (SD-JWT decodes with a digest per disclosure, JWT VC parses with class-validator), runs the dcql query and applies each match's disclosures, and selection parses a W3C credential twice more: most of the wallet's matching CPU, for the same answer while the query and the records are the same. The wallet keeps the match (records re-attached from each read) by query and records (type, id, updatedAt, stored credential); the TypeScript-private `queryCredentialsForDcqlQuery` and `dcqlCredentialForRequestForValidCredential` are replaced on its subclass.",
    removeWhen: 'Credo keeps decoded credentials per record (or the match per query and records) in its DCQL holder matching.',
  },
  {
    id: 'wallet-received-credential-parsed-once',
    lab: [{ file: 'wallet-sim/verifiedOnReceipt.ts', symbol: 'keepVerifiedOnReceipt' }],
    upstream: [
      openid4vc('build/openid4vc-holder/OpenId4VciHolderService.mjs', 'OpenId4VciHolderService.handleCredentialResponse', '170431fe761e4e4c16ef0dd1628b47133cccace7d93e0cb3f0123c2720cf0d8a'),
      openid4vc('build/openid4vc-holder/OpenId4VciHolderService.mjs', 'OpenId4VciHolderService.acceptCredentialOffer', '350660319332637d16e3763dafc735d1105186f0636de8195532c8a98fe3147d'),
      core('build/modules/sd-jwt-vc/repository/SdJwtVcRecord.mjs', 'SdJwtVcRecord.firstCredential', '77d7065146129fad0bdb1c6d3ada40023d524941a60a91f31a3e41e07e939c73'),
      core('build/modules/sd-jwt-vc/repository/SdJwtVcRecord.mjs', 'SdJwtVcRecord.getTags', '6231e8fd0d1ff7b8f41dfe0460bd24d488f66dd482a571c3bc8029795bdaf7ac'),
      core('build/modules/vc/repository/W3cCredentialRecord.mjs', 'W3cCredentialRecord.firstCredential', 'd71c1662a4d38775c9a22577743915034484422107ff4261566af2114c85ca5a'),
    ],
    reason:
      "Credo's OID4VCI holder verifies a received SD-JWT VC or JWT VC, then builds a record that parses it again at each read of `firstCredential` (its own debug log line in `acceptCredentialOffer`, the wallet's checks, the W3C store's tags) and whose SD-JWT `getTags` decodes it once more: three parses of a JWT VC and four decodes of an SD-JWT VC per issuance. On the wallet's agents, `SdJwtVcApi.verify` and `W3cCredentialService.verifyCredential` note what they found valid while the TypeScript-private `handleCredentialResponse` runs, and its record carries that as its `firstCredential` (and an SD-JWT VC's tags, computed as `getTags` does).",
    removeWhen: "Credo's holder builds the record from the credential it verified (or records keep their parse).",
  },
  {
    id: 'wallet-own-dids-resolved-once',
    lab: [{ file: 'wallet-sim/ownDids.ts', symbol: 'resolveOwnDidsOnce' }],
    upstream: [
      core('build/modules/dids/DidsApi.mjs', 'DidsApi.resolveCreatedDidDocumentWithKeys', '6cac25babc5be42a12e01591e6972215994f866d3527a3037a3ab6a9399888d2'),
      core('build/modules/dids/services/DidResolverService.mjs', 'DidResolverService.resolveDidDocument', '0a85489af33d8d429113b5c95e6088dcdd388953319851517d3a25a2f7e27ca5'),
    ],
    reason:
      "Credo resolves the holder's did:jwk three times per OID4VCI issuance (the key proof's binding, its signer, the received SD-JWT VC's cnf) and reads its DID record from the database for the KMS key id each time, though a did:jwk or did:key is its own document and the wallet never changes the records of the DIDs it created. The wallet's agents resolve their persona's own DIDs, and read their records, once; every other DID as before.",
    removeWhen: 'Credo caches the resolution of did:jwk / did:key (and created DID records) per agent.',
  },
]

/** A version pinned in the root package.json because of a dependency's packaging, not the lab's own needs. */
export interface DependencyPin {
  id: string
  /** `dependencies` or `overrides`; `key` is the entry's path there (nested override: parent, then child). */
  section: 'dependencies' | 'overrides'
  key: string[]
  version: string
  reason: string
  removeWhen: string
}

export const dependencyPins: readonly DependencyPin[] = [
  {
    id: 'credo-node-alpha',
    section: 'dependencies',
    key: ['@credo-ts/node'],
    version: '0.6.0-alpha-20251127043254',
    reason: 'No @credo-ts/node release for Credo 0.6 is published (its latest release is 0.5.19, for Credo 0.5): this alpha is the only build with the 0.6 KMS API the lab extends.',
    removeWhen: 'A @credo-ts/node release matching the other @credo-ts packages is installable (0.7.0 is tagged upstream, not published where the lab installs from).',
  },
  {
    id: 'credo-core-single-copy',
    section: 'overrides',
    key: ['@credo-ts/core'],
    version: '0.6.3',
    reason: 'The alpha @credo-ts/node depends on the alpha @credo-ts/core exactly; one copy of core is required (its classes are the dependency-injection tokens).',
    removeWhen: 'With the alpha pin.',
  },
  {
    id: 'credo-didcomm-single-copy',
    section: 'overrides',
    key: ['@credo-ts/didcomm'],
    version: '0.6.3',
    reason: 'As for @credo-ts/core: the alpha @credo-ts/node depends on the alpha @credo-ts/didcomm exactly.',
    removeWhen: 'With the alpha pin.',
  },
  {
    id: 'json-canonicalize-built',
    section: 'overrides',
    key: ['json-canonicalize'],
    version: '3.0.1',
    reason:
      '@credo-ts/webvh 0.6.3 and didwebvh-ts 2.8.0 ask for json-canonicalize ^2.0.0, whose 2.0.1 is published without its build (no bundles/): the module does not load. 3.0.1 has the same canonicalize (RFC 8785).',
    removeWhen: '@credo-ts/webvh depends on a json-canonicalize release that ships its build.',
  },
  {
    id: 'sphereon-ssi-types-release',
    section: 'overrides',
    key: ['@sphereon/ssi-types@0.36.1-next.159'],
    version: '0.37.1',
    reason:
      '@sphereon/oid4vci-* 0.20.1 (the Sphereon peer in scenarios/peers/sphereon) depend on the prerelease ssi-types 0.36.1-next.159; the release is used instead (the reason is not recorded in git history).',
    removeWhen: 'The Sphereon OID4VCI packages depend on a released @sphereon/ssi-types.',
  },
  {
    id: 'sphereon-express-support-ssi-types',
    section: 'overrides',
    key: ['@sphereon/ssi-express-support', '@sphereon/ssi-types'],
    version: '0.37.1',
    reason: '@sphereon/ssi-express-support 0.34.1-next.3 (under @sphereon/oid4vci-issuer) depends on the prerelease ssi-types 0.34.1-next.3: one released copy for all Sphereon packages.',
    removeWhen: 'As above.',
  },
]

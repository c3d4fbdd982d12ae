import {
  type AnonCredsCredentialDefinition,
  AnonCredsHolderServiceSymbol,
  type AnonCredsHolderService,
  AnonCredsIssuerServiceSymbol,
  type AnonCredsIssuerService,
  type AnonCredsProof,
  type AnonCredsProofRequest,
  type AnonCredsSchema,
  type AnonCredsVerifierService,
  AnonCredsVerifierServiceSymbol,
  getCredentialsForAnonCredsProofRequest,
} from '@credo-ts/anoncreds'
import { type Agent, ClaimFormat, CREDENTIALS_CONTEXT_V1_URL, JsonTransformer, vcLibraries, W3cCredential, W3cCredentialsModule, W3cPresentation } from '@credo-ts/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { createAnonCredsModule, encodeAnonCredsValue, FileAnonCredsRegistry, importIssuerMaterial } from '@interop-lab/common/anoncreds'
import { loadCredentialTypes } from '@interop-lab/common/credentialTypes'
import type { Database } from '@interop-lab/common/db'
import { credoDocumentLoader } from '@interop-lab/common/didcomm/credoDocumentLoader'
import { LDP_CREDENTIAL_CONTEXTS, LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import { ensureLdpDid, type LdpDid } from '@interop-lab/common/didcomm/ldpDid'
import { LabJsonLdCredentialModule } from '@interop-lab/common/didcomm/LabJsonLdCredentialService'
import { issuerKeyResolver } from '@interop-lab/verifier/checks/issuerKeys'
import { LDP_CLAUSE, ldpSignerIsIssuer } from '@interop-lab/verifier/checks/ldpSignerIsIssuer'
import type { Finding } from '@interop-lab/verifier/decision'
import { anonCredsVerificationMigrations, checkProof } from '@interop-lab/verifier/didcomm/anoncreds'
import { ldpOutcome } from '@interop-lab/verifier/didcomm/ldpChecks'
import { type LdpCredential, type LdpPresentation, ldpPresentedCredentials, submittedCredentials } from '@interop-lab/verifier/didcomm/ldpPresentation'
import { ldpPresentationTools, ldpProofVerifier } from '@interop-lab/verifier/didcomm/ldpTools'
import { loadPolicies } from '@interop-lab/verifier/policy'
import { ACME_CARD, anonCredsFixture } from './support/anoncredsFixtures'
import { DEATH_REGISTRATION_CLAIMS as DEATH } from './support/pilotClaims'

/**
 * The DIDComm adapters' checks, table-driven, on real cryptography: JSON-LD credentials and presentations signed by a
 * real Credo agent (Ed25519Signature2020) and verified by the verifier's own Credo tools; AnonCreds proofs made and
 * verified by the WASM library from the stored TEST-ONLY issuer material, the replay check on a real SQLite database.
 * One agent holds every party's keys (issuer, holder, stranger: distinct DIDs), so the cases share its start-up.
 */

const types = loadCredentialTypes()
const policy = loadPolicies().get('estate-account-proof-of-death')!
const CHALLENGE = '6f1c2a4e-3b0d-4d55-9a57-0c1f2e3d4b5a'
const SUBMISSION_CONTEXT = 'https://identity.foundation/presentation-exchange/submission/v1'

const dataDir = mkdtempSync(join(tmpdir(), 'decision-adapters-'))
let agent: Agent
let db: Database
let shutdown: () => Promise<void>
let issuer: LdpDid
let holder: LdpDid
let stranger: LdpDid

/** An Ed25519 did:key of the agent, as the lab's parties sign JSON-LD proofs (common/didcomm/ldpDid.ts). */
async function ldpDid(): Promise<LdpDid> {
  const { didState } = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
  return ensureLdpDid(agent, `${didState.did}#0`)
}

// The AnonCreds party services: the holder proves, the verifier's service (the encoding check in front of WASM) verifies
const businessCard = anonCredsFixture('business-card')
const service = <T>(symbol: symbol) => agent.dependencyManager.resolve<T>(symbol)
const schemas: Record<string, AnonCredsSchema> = { [businessCard.schemaId]: businessCard.schema }
const credentialDefinitions: Record<string, AnonCredsCredentialDefinition> = { [businessCard.credentialDefinitionId]: businessCard.credentialDefinition }

beforeAll(async () => {
  const anoncreds = await createAnonCredsModule({ registries: [new FileAnonCredsRegistry(join(dataDir, 'registry'))], backend: 'wasm' })
  ;({ agent, db, shutdown } = await createAgent({
    database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') },
    dataDir,
    migrations: anonCredsVerificationMigrations,
    modules: { w3cCredentials: new W3cCredentialsModule({ documentLoader: credoDocumentLoader }), jsonLdCredentials: new LabJsonLdCredentialModule(), anoncreds },
  }))
  ;[issuer, holder, stranger] = [await ldpDid(), await ldpDid(), await ldpDid()]
  await importIssuerMaterial(agent, businessCard)
  const issuerService = service<AnonCredsIssuerService>(AnonCredsIssuerServiceSymbol)
  const holderService = service<AnonCredsHolderService>(AnonCredsHolderServiceSymbol)
  const credentialOffer = await issuerService.createCredentialOffer(agent.context, { credentialDefinitionId: businessCard.credentialDefinitionId })
  const { credentialRequest, credentialRequestMetadata } = await holderService.createCredentialRequest(agent.context, { credentialOffer, credentialDefinition: businessCard.credentialDefinition })
  const credentialValues = Object.fromEntries(Object.entries(ACME_CARD).map(([name, raw]) => [name, { raw, encoded: encodeAnonCredsValue(raw) }]))
  const { credential } = await issuerService.createCredential(agent.context, { credentialOffer, credentialRequest, credentialValues })
  await holderService.storeCredential(agent.context, {
    credential,
    credentialRequestMetadata,
    credentialDefinition: businessCard.credentialDefinition,
    credentialDefinitionId: businessCard.credentialDefinitionId,
    schema: businessCard.schema,
  })
}, 120_000)

afterAll(async () => {
  await shutdown?.()
  rmSync(dataDir, { recursive: true, force: true })
})

const only = (findings: Finding[], check: string) => findings.filter((f) => f.check === check)

describe('the DIDComm JSON-LD adapter (ldp_vp over present-proof v2, DIF PE)', () => {
  /** A death registration signed by `signer` (by default the issuer), naming `issuer` and bound to `subject`. */
  async function deathRegistration({ signer = issuer, named = issuer, subject = holder } = {}): Promise<LdpCredential> {
    const credential = JsonTransformer.fromJSON(
      {
        '@context': [...LDP_CREDENTIAL_CONTEXTS],
        type: ['VerifiableCredential', 'DeathRegistrationCredential'],
        issuer: named.did,
        issuanceDate: new Date(Date.now() - 60_000).toISOString(),
        credentialSubject: { id: subject.did, ...DEATH },
      },
      W3cCredential,
    )
    const signed = await agent.w3cCredentials.signCredential({ format: ClaimFormat.LdpVc, credential, proofType: LDP_PROOF_TYPE, verificationMethod: signer.verificationMethod })
    return JsonTransformer.toJSON(signed) as LdpCredential
  }

  interface PresentationOptions {
    credentials: LdpCredential[]
    signer?: LdpDid
    /** null: a proof that answers no challenge. */
    challenge?: string | null
    /** The presentation submission's map (by default, each credential answers the `death` input descriptor). */
    descriptorMap?: { id: string; format: string; path: string }[]
  }

  // Credo types only two of jsonld-signatures' purposes; ControllerProofPurpose is the library's own base class
  const purposes = vcLibraries.jsonldSignatures.purposes as typeof vcLibraries.jsonldSignatures.purposes & { ControllerProofPurpose: new (options: { term: string }) => unknown }

  /** A presentation of `credentials`, signed by `signer` for `challenge` as Credo's PE service signs it. */
  async function presentation({ credentials, signer = holder, challenge = CHALLENGE, descriptorMap }: PresentationOptions): Promise<LdpPresentation> {
    const unsigned = {
      '@context': [CREDENTIALS_CONTEXT_V1_URL, SUBMISSION_CONTEXT],
      type: ['VerifiablePresentation', 'PresentationSubmission'],
      holder: signer.did,
      verifiableCredential: credentials,
      presentation_submission: {
        id: 'submission',
        definition_id: policy.id,
        descriptor_map: descriptorMap ?? credentials.map((_, i) => ({ id: 'death', format: 'ldp_vc', path: `$.verifiableCredential[${i}]` })),
      },
    }
    const signed = await agent.w3cCredentials.signPresentation({
      format: ClaimFormat.LdpVp,
      proofType: LDP_PROOF_TYPE,
      // without a challenge, an authentication proof as a wallet that ignores the request's options makes it
      proofPurpose: challenge === null ? new purposes.ControllerProofPurpose({ term: 'authentication' }) : new purposes.AuthenticationProofPurpose({ challenge }),
      verificationMethod: signer.verificationMethod,
      presentation: JsonTransformer.fromJSON(unsigned, W3cPresentation),
      challenge: challenge ?? (undefined as unknown as string),
    })
    return JsonTransformer.toJSON(signed) as LdpPresentation
  }

  /** The clause each of the adapter's checks names, at the start of its reason. */
  const CLAUSES: Record<string, RegExp> = {
    'holder-binding': /^VC Data Integrity, Verify Proof \(the presentation proof is by the credential subject\): /,
    nonce: /^DIF Presentation Exchange over present-proof v2 \(options\.challenge, proof\.challenge\): /,
    format: /^DIF Presentation Exchange, Presentation Submission \(descriptor_map names the submitted credentials\): /,
  }

  /** A presentation whose proof value (base58btc multibase) has one character changed. */
  async function withAlteredProofValue(): Promise<LdpPresentation> {
    const presented = await presentation({ credentials: [await deathRegistration()] })
    const proof = presented.proof as { proofValue: string }
    proof.proofValue = `${proof.proofValue.slice(0, -1)}${proof.proofValue.endsWith('1') ? '2' : '1'}`
    return presented
  }

  /** A presentation whose credential's claims were changed after the holder signed it. */
  async function withContentAlteredUnderProof(): Promise<LdpPresentation> {
    const presented = await presentation({ credentials: [await deathRegistration()] })
    ;(presented.verifiableCredential as LdpCredential[])[0].credentialSubject = { id: holder.did, ...DEATH, deceased_family_name: 'Someone Else' }
    return presented
  }

  type Case = [name: string, make: () => Promise<LdpPresentation>, check: string, passed: boolean, reason: RegExp, failing?: string[]]
  const cases: Case[] = [
    ['a presentation by the subject for this challenge', async () => presentation({ credentials: [await deathRegistration()] }), 'holder-binding', true, /signed by its subject did:key:/, []],
    [
      'a presentation for another challenge',
      async () => presentation({ credentials: [await deathRegistration()], challenge: 'another-request' }),
      'nonce',
      false,
      /answers another request \(challenge another-request\)/,
    ],
    // a proof that answers no challenge cannot verify for this one either
    [
      'a presentation with no challenge',
      async () => presentation({ credentials: [await deathRegistration()], challenge: null }),
      'nonce',
      false,
      /answers another request \(challenge missing\)/,
      ['nonce', 'holder-binding'],
    ],
    [
      'a presentation signed by a key other than the subject',
      async () => presentation({ credentials: [await deathRegistration()], signer: stranger }),
      'holder-binding',
      false,
      /is signed by did:key:\S+, not by the credential's subject did:key:/,
    ],
    ['a presentation whose proof value was altered', withAlteredProofValue, 'holder-binding', false, /the presentation proof over death does not verify: /],
    ['a presentation whose content was altered under its proof', withContentAlteredUnderProof, 'holder-binding', false, /the presentation proof over death does not verify: /],
    ['a presentation that submits no credential', async () => presentation({ credentials: [await deathRegistration()], descriptorMap: [] }), 'format', false, /submits no credential/],
  ]

  it.each(cases)('%s', async (_name, make, check, passed, reason, failing = [check]) => {
    const outcome = await ldpOutcome(await make(), CHALLENGE, policy, types, ldpPresentationTools(agent.context))
    const findings = [...outcome.response, ...outcome.credentials.flatMap((c) => c.findings)]
    const [found] = only(findings, check)
    expect(found).toMatchObject({ check, passed })
    expect(found.reason.en).toMatch(CLAUSES[check])
    expect(found.reason.en).toMatch(reason)
    expect(found.reason.clause).toBeDefined()
    expect(found.reason.fr).not.toBe(found.reason.en)
    expect(findings.filter((f) => !f.passed).map((f) => f.check)).toEqual(failing)
  })

  it('reads the submitted credential: its issuer, type, the asked claims only, and the issuer-signed original', async () => {
    const credential = await deathRegistration()
    const presented = await presentation({ credentials: [credential] })
    const outcome = await ldpOutcome(presented, CHALLENGE, policy, types, ldpPresentationTools(agent.context))
    const [{ claims, ...read }] = outcome.credentials.map((c) => c.credential!)
    expect(read).toMatchObject({ queryId: 'death', format: 'ldp_vc', issuer: issuer.did, credentialType: 'DeathRegistrationCredential', proof: { kind: 'ldp', credential } })
    const { deceased_birth_date: _notAsked, ...asked } = DEATH
    expect(claims).toEqual(asked)
  })

  it.each([
    ['$.verifiableCredential[1]', ['second']],
    ['$.verifiableCredential', ['first']],
    ['$.verifiableCredential[2]', []],
    ['$.credentials[0]', []],
  ])('maps the descriptor path %s to the credential it names', (path, expected) => {
    const credentials = ['first', 'second'].map((id) => ({ id, type: ['VerifiableCredential'], issuer: issuer.did, credentialSubject: {} }))
    const submitted = submittedCredentials({ verifiableCredential: credentials, presentation_submission: { descriptor_map: [{ id: 'death', path }] } })
    expect(submitted.map((s) => [s.queryId, s.credential.id])).toEqual(expected.map((id) => ['death', id]))
    expect(ldpPresentedCredentials({ verifiableCredential: credentials, presentation_submission: { descriptor_map: [{ id: 'death', path }] } }, policy, types)).toHaveLength(expected.length)
  })

  describe('the issuer’s proof (signer-is-issuer for ldp_vc)', () => {
    const check = (credential: LdpCredential) => ldpSignerIsIssuer(credential, issuer.did, issuerKeyResolver(agent.context), ldpProofVerifier(agent.context))
    type IssuerCase = [name: string, make: () => Promise<LdpCredential>, passed: boolean, reason: RegExp]
    const issuerCases: IssuerCase[] = [
      ['signed by the issuer’s assertion key', () => deathRegistration(), true, /signed by did:key:\S+, an assertion key of the issuer/],
      ['signed under a foreign DID', () => deathRegistration({ signer: stranger }), false, /the credential is signed by did:key:\S+, not by its issuer did:key:/],
      [
        'naming the issuer’s verification method over another key’s signature',
        async () => {
          const forged = await deathRegistration({ signer: stranger })
          ;(forged.proof as { verificationMethod: string }).verificationMethod = issuer.verificationMethod
          return forged
        },
        false,
        /the proof does not verify with the issuer's key/,
      ],
      [
        'naming a verification method the issuer’s DID does not have',
        async () => {
          const forged = await deathRegistration()
          ;(forged.proof as { verificationMethod: string }).verificationMethod = `${issuer.did}#not-a-key`
          return forged
        },
        false,
        /#not-a-key is not an assertion key of the issuer/,
      ],
      [
        'made for authentication, not assertionMethod',
        async () => {
          const forged = await deathRegistration()
          ;(forged.proof as { proofPurpose: string }).proofPurpose = 'authentication'
          return forged
        },
        false,
        /is for 'authentication', not assertionMethod/,
      ],
      [
        'carrying no proof',
        async () => {
          const { proof: _proof, ...unsigned } = await deathRegistration()
          return unsigned as LdpCredential
        },
        false,
        /carries no proof by its issuer/,
      ],
    ]
    it.each(issuerCases)('%s', async (_name, make, passed, reason) => {
      const result = await check(await make())
      expect(result).toMatchObject({ check: 'signature', passed, clause: LDP_CLAUSE })
      expect(result.message.startsWith(`${LDP_CLAUSE}: `)).toBe(true)
      expect(result.message).toMatch(reason)
    })
  })
})

describe('the DIDComm AnonCreds adapter (AnonCreds v1.0, Verify Presentation)', () => {
  const onlyBusinessCards = [{ cred_def_id: businessCard.credentialDefinitionId }]
  const holderService = () => service<AnonCredsHolderService>(AnonCredsHolderServiceSymbol)

  /** A proof request as the verifier makes it: its own fresh nonce, the asked claims and the registration-date predicate. */
  const proofRequest = (registeredOnOrBefore = 20250101): AnonCredsProofRequest => ({
    name: 'Proof of business',
    version: '1.0',
    nonce: holderService().generateNonce(agent.context),
    requested_attributes: { legal_name: { name: 'legal_name', restrictions: onlyBusinessCards }, status: { name: 'registration_status', restrictions: onlyBusinessCards } },
    requested_predicates: { registered: { name: 'registration_date', p_type: '<=', p_value: registeredOnOrBefore, restrictions: onlyBusinessCards } },
  })

  /** The holder's proof for `request`, with its credential chosen through Credo's own selection. */
  async function prove(request: AnonCredsProofRequest): Promise<AnonCredsProof> {
    const available = await getCredentialsForAnonCredsProofRequest(agent.context, request, { filterByNonRevocationRequirements: true })
    const first = <T>(matches: Record<string, T[]>) => Object.fromEntries(Object.entries(matches).map(([referent, [match]]) => [referent, match]))
    const selectedCredentials = { attributes: first(available.attributes), predicates: first(available.predicates), selfAttestedAttributes: {} }
    return holderService().createProof(agent.context, { proofRequest: request, selectedCredentials, schemas, credentialDefinitions, revocationRegistries: {} })
  }

  /** The verifier's decision on one exchange: the library's verification (as Credo records it in isVerified), then the lab's checks. */
  async function checkExchange(exchange: string, proof: AnonCredsProof, request: AnonCredsProofRequest): Promise<Finding[]> {
    const verified = await service<AnonCredsVerifierService>(AnonCredsVerifierServiceSymbol).verifyProof(agent.context, {
      proofRequest: request,
      proof,
      schemas,
      credentialDefinitions,
      revocationRegistries: {},
    })
    return checkProof(db, exchange, proof, request, verified)
  }

  let exchanges = 0
  const nextExchange = () => `exchange-${++exchanges}`

  type Case = [name: string, run: () => Promise<Finding[]>, check: string, passed: boolean, reason: RegExp]
  const cases: Case[] = [
    [
      'a proof for this request',
      async () => {
        const request = proofRequest()
        return checkExchange(nextExchange(), await prove(request), request)
      },
      'signature',
      true,
      /verifies against the issuer's credential definition/,
    ],
    [
      'a revealed raw value that does not encode to the signed value',
      async () => {
        const request = proofRequest()
        const forged = structuredClone(await prove(request))
        forged.requested_proof.revealed_attrs.legal_name.raw = 'Evil Corp'
        return checkExchange(nextExchange(), forged, request)
      },
      'encoding',
      false,
      /legal_name is shown as "Evil Corp", which does not encode to the value the issuer signed/,
    ],
    [
      'a proof already presented in another exchange',
      async () => {
        const first = proofRequest()
        const proof = await prove(first)
        expect(only(await checkExchange(nextExchange(), proof, first), 'nonce')).toMatchObject([{ passed: true }])
        return checkExchange(nextExchange(), proof, proofRequest())
      },
      'nonce',
      false,
      /made for an earlier request \(first presented in exchange exchange-\d+\).*a replay/,
    ],
    [
      'a predicate proven for a looser threshold than asked',
      async () => {
        const asked = proofRequest(20100101)
        // the holder proves registration_date <= 2025-01-01 for the same nonce: true of its card, unlike what was asked
        return checkExchange(nextExchange(), await prove({ ...asked, requested_predicates: { registered: { ...asked.requested_predicates.registered, p_value: 20250101 } } }), asked)
      },
      'predicates',
      false,
      /registration_date <= 20100101: not proven/,
    ],
    [
      'a proof without the asked predicate',
      async () => {
        const asked = proofRequest()
        return checkExchange(nextExchange(), await prove({ ...asked, requested_predicates: {} }), asked)
      },
      'predicates',
      false,
      /registration_date <= 20250101: not proven$/,
    ],
    [
      'a revealed value changed consistently (raw and encoded), which the library refuses',
      async () => {
        const request = proofRequest()
        const forged = structuredClone(await prove(request))
        forged.requested_proof.revealed_attrs.status = { ...forged.requested_proof.revealed_attrs.status, raw: 'SUSPENDED', encoded: encodeAnonCredsValue('SUSPENDED') }
        return checkExchange(nextExchange(), forged, request)
      },
      'signature',
      false,
      /does not verify against the issuer's credential definition/,
    ],
  ]

  it.each(cases)(
    '%s',
    async (_name, run, check, passed, reason) => {
      const findings = await run()
      const [found] = only(findings, check)
      expect(found).toMatchObject({ check, passed })
      expect(found.reason.en).toMatch(reason)
      expect(found.reason.clause).toBe('AnonCreds v1.0, Verify Presentation')
      expect(found.reason.fr).not.toBe(found.reason.en)
      const failed = findings.filter((f) => !f.passed).map((f) => f.check)
      expect(failed).toEqual(passed ? [] : [check])
      if (passed) expect(findings.map((f) => f.check)).toEqual(['encoding', 'nonce', 'signature', 'holder-binding', 'predicates'])
    },
    60_000,
  )
})

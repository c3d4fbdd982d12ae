import {
  ClaimFormat,
  type JsonObject,
  JsonTransformer,
  type MdocRecord,
  parseDid,
  type SdJwtVcRecord,
  vcLibraries,
  type W3cCredentialRecord,
  W3cJwtVerifiableCredential,
  W3cPresentation,
} from '@credo-ts/core'
import { agentDependencies } from '@credo-ts/node'
import { OpenId4VcModule, type OpenId4VciResolvedCredentialOffer } from '@credo-ts/openid4vc'
import type { Express } from 'express'
import { createAgent } from '@interop-lab/common/agent'
import { cachingFetch } from '@interop-lab/common/net/httpCache'
import type { Database, DatabaseConfig, Migration } from '@interop-lab/common/db'
import { LDP_PROOF_TYPE } from '@interop-lab/common/didcomm/ldp'
import { ensureLdpDid, type LdpDid } from '@interop-lab/common/didcomm/ldpDid'
import { anonCredsModule, didCommModules } from '@interop-lab/common/didcomm/modules'
import { isDidCommInvitationUrl } from '@interop-lab/common/protocols'
import { specVersionMismatch } from '@interop-lab/common/specVersions'
import { sdJwtVcModule } from '@interop-lab/common/typeMetadata'
import { type AnonCredsCredentialInfo, type AnonCredsHolderService, AnonCredsHolderServiceSymbol, type AnonCredsProof, type AnonCredsProofRequest } from '@credo-ts/anoncreds'
import type { CredentialRecordBinding } from '@credo-ts/didcomm'
import type { AnonCredsBackendModule } from '@interop-lab/common/anoncreds'
import { applyAnonCredsFault, requestShape } from './didcomm/anonCredsFaults'
import { FaultInjectingAnonCredsProofFormat } from './didcomm/FaultInjectingAnonCredsProofFormat'
import { FaultInjectingPresentationFormat, type PresentationRequestOptions } from './didcomm/FaultInjectingPresentationFormat'
import { acceptDidCommOffer, type DidCommHolderAgent, presentOverDidComm } from './didcomm/holder'
import { applyLdpFault } from './didcomm/ldpFaults'
import { type Fault, mapVpToken, swapHolderKey, tamperPresentation } from './faults'
import type { IssuanceFault, PresentationOutcome } from '@interop-lab/contracts'
import { checkHolderBinding, checkIssuerTrusted, checkOfferedType, type OfferedConfiguration, type ParsedCredential, received, registryKeyPin } from './credentialChecks'
import { encryptedResponse, type HaipRefusal, haipRequestRefusal, isHaipRequest, RequestObjectCapture, responseEncryption, untrustedAuthorityRefusal, VP_TOKEN_FAULTS } from './haipRequest'
import { registryAnchors } from '@interop-lab/trust-registry/client'
import { overAsked, replayMessage } from './requestChecks'
import { describeMdoc, holderBinding, receivedMdoc, signWithForeignDeviceKey } from './mdoc'
import { trustX509SignerOnReceipt } from './x509Trust'
import { keepVerifiedOnReceipt } from './verifiedOnReceipt'
import { resolveOwnDidsOnce } from './ownDids'
import { VcApiHolder, vcApiMigrations } from './vcApiHolder'
import { IssuanceWire, requestHaipCredentials } from './haipIssuance'
import { IssuerMetadataKeeper, resolveCredentialOffer } from './issuerMetadata'
import { KeptDcqlMatchesModule } from './keptDcqlMatches'
import type { WalletProvider } from './walletProvider'
import { nodeFetch } from './nodeFetch'
import { fromPeer, WalletError } from './errors'

export const walletMigrations: Migration[] = [
  { id: 'wallet-holder-1', sql: 'CREATE TABLE holder_identity (persona TEXT PRIMARY KEY, did TEXT NOT NULL)' },
  // a P-256 did:jwk beside the Ed25519 one: credentials their issuer signs ES256 only are bound to it (HAIP 1.0 ES256 key binding)
  { id: 'wallet-holder-es256-1', sql: 'CREATE TABLE holder_identity_es256 (persona TEXT PRIMARY KEY, did TEXT NOT NULL)' },
  // each OID4VP request answered, by its client and nonce: the same request again is a replay (OID4VP 1.0 §5.2, §14.1)
  { id: 'wallet-answered-requests-1', sql: 'CREATE TABLE answered_requests (client_id TEXT NOT NULL, nonce TEXT NOT NULL, answered_at TEXT NOT NULL, PRIMARY KEY (client_id, nonce))' },
  ...vcApiMigrations,
]

export interface HeldCredential {
  id: string
  format: 'dc+sd-jwt' | 'jwt_vc_json' | 'ldp_vc' | 'anoncreds' | 'mso_mdoc'
  type: string
  issuer: string
  claims: Record<string, unknown>
}

/** What the wallet answers for a presentation request: a wire contract (contracts/z-wallet.ts). */
export type { PresentationOutcome }

/** The wallets' calls to issuers: node:http on kept-alive connections (wallet-sim/nodeFetch.ts). */
const walletFetch = nodeFetch(agentDependencies.fetch)

/**
 * The wallets' GETs (issuer and authorization server metadata, type metadata, status lists): reused while their
 * Cache-Control says they are fresh, by every persona of this process, as a shared cache may (common/net/httpCache).
 */
const publicDocuments = cachingFetch(walletFetch)

/** Where the wallet service receives DIDComm messages: each persona at its own path. */
export interface WalletDidCommEndpoint {
  app: Express
  baseUrl: string
}

const walletModules = (wallet: PersonaWallet, endpoint: WalletDidCommEndpoint, anoncreds: AnonCredsBackendModule) => ({
  openid4vc: new OpenId4VcModule(),
  // the lab's own credential types are known locally: no fetch of type metadata per credential received
  sdJwtVc: sdJwtVcModule(),
  // the persona's DCQL match kept while the query and its credentials are the same (wallet-sim/keptDcqlMatches.ts)
  dcqlMatches: new KeptDcqlMatchesModule(),
  ...didCommModules({
    app: endpoint.app,
    path: `/didcomm/${wallet.personaId}`,
    baseUrl: endpoint.baseUrl,
    holderDid: () => wallet.ldpHolder?.did,
    presentationExchange: new FaultInjectingPresentationFormat((_context, presentation, request) => wallet.sendLdpPresentation(presentation, request)),
    anoncreds,
    anonCredsProofFormat: new FaultInjectingAnonCredsProofFormat(async (proof, request) => wallet.sendAnonCredsProof(proof, request)),
  }),
})
type WalletAgent = Awaited<ReturnType<typeof createAgent<ReturnType<typeof walletModules>>>>['agent']

/**
 * A holder persona: accepts OID4VCI offers and DIDComm out-of-band offers, answers OID4VP requests and
 * DIDComm presentation requests on its own, from any issuer or verifier URL. A presentation may carry a
 * fault, applied on the wire to what Credo sends.
 */
export class PersonaWallet {
  private fault?: Fault
  /** The last honest vp_token sent, kept so the replay fault can send it to another session. */
  private lastVpToken?: string
  /** The last honest JSON-LD presentation sent over DIDComm, for the same purpose. */
  private lastLdpPresentation?: JsonObject
  /** The last honest AnonCreds proof for each request shape, for the same purpose. */
  private readonly lastAnonCredsProofs = new Map<string, AnonCredsProof>()
  /** Mallory's key, which no credential is bound to (wrong-holder-key over DIDComm). */
  private foreignKey?: string
  private queue: Promise<unknown> = Promise.resolve()
  private agent!: WalletAgent
  private db!: Database
  /** The credential endpoint of the OID4VCI exchange under way, and the body of its response (§8.3), read to say why a credential was refused. */
  private credentialResponse?: { endpoint: string; body?: string }
  /** The trust registry the wallet asks about each issuer before keeping a credential; none: it does not ask. */
  private trustRegistryUrl?: string
  /** The trust registry listing the verifier roots a HAIP request's certificate must chain to; none: every HAIP request is refused. */
  private verifierRegistryUrl?: string
  /** The request object of the request being answered, as fetched from its request_uri (HAIP checks). */
  private readonly requestObjects = new RequestObjectCapture()
  /** Issuer metadata parsed once per issuer, while the documents it came from answer the same; its `fetch` is the agent's GETs. */
  private readonly issuerMetadata = new IssuerMetadataKeeper(publicDocuments)
  /** A vp_token fault on a direct_post.jwt request: Credo answers in the clear, `send` changes the vp_token and encrypts it to this. */
  private faultedResponseEncryption?: Parameters<typeof encryptedResponse>[1]
  private shutdownAgent!: () => Promise<void>
  /** HAIP issuance: the faults applied to what Credo sends, and the issuer's refusal seen on the wire. */
  private readonly issuanceWire = new IssuanceWire()
  /** Signs the Wallet Attestations and key attestations of HAIP issuance (one for the whole wallet service). */
  public walletProvider?: WalletProvider
  public holderDid!: string
  /** A P-256 did:jwk: credentials their issuer signs ES256 only are bound to it, so their key binding is ES256 too. */
  public es256HolderDid!: string
  /** The same key as a did:key: JSON-LD credentials are bound to it, and presentations signed under it (peers cannot read did:jwk keys). */
  public ldpHolder!: LdpDid
  /** The persona's W3C VC API credentials, bound to and presented under `ldpHolder`. */
  public vcApi!: VcApiHolder

  private constructor(public readonly personaId: string) {}

  public static async open(
    personaId: string,
    database: DatabaseConfig,
    dataDir: string,
    didcomm: WalletDidCommEndpoint,
    trustRegistryUrl?: string,
    verifierRegistryUrl = trustRegistryUrl,
  ): Promise<PersonaWallet> {
    const wallet = new PersonaWallet(personaId)
    wallet.trustRegistryUrl = trustRegistryUrl
    wallet.verifierRegistryUrl = verifierRegistryUrl
    const { agent, db, shutdown } = await createAgent({
      database,
      dataDir,
      migrations: walletMigrations,
      fetch: (input, init) => wallet.send(input, init),
      // a wallet served over plain http (the lab on loopback) takes offers and requests over plain http
      allowInsecureHttp: new URL(didcomm.baseUrl).protocol === 'http:',
      modules: walletModules(wallet, didcomm, await anonCredsModule(dataDir)),
    })
    wallet.agent = agent
    wallet.db = db
    wallet.shutdownAgent = shutdown
    const [row] = await db.query<{ did: string }>('SELECT did FROM holder_identity WHERE persona = ?', [personaId])
    if (row) wallet.holderDid = row.did
    else {
      const created = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
      wallet.holderDid = created.didState.did!
      await db.run('INSERT INTO holder_identity (persona, did) VALUES (?, ?)', [personaId, wallet.holderDid])
    }
    wallet.es256HolderDid = await ensureEs256HolderDid(agent, db, personaId)
    wallet.ldpHolder = await ensureLdpDid(agent, `${wallet.holderDid}#0`)
    resolveOwnDidsOnce(agent, [wallet.holderDid, wallet.es256HolderDid, wallet.ldpHolder.did])
    trustX509SignerOnReceipt(agent)
    keepVerifiedOnReceipt(agent)
    const { publicJwk } = await agent.dids.resolveVerificationMethodFromCreatedDidRecord(wallet.ldpHolder.verificationMethod, ['authentication'])
    const sign = async (data: Uint8Array) => (await agent.kms.sign({ keyId: publicJwk.keyId, algorithm: 'EdDSA', data })).signature
    wallet.vcApi = new VcApiHolder(db, { ...wallet.ldpHolder, signer: { algorithm: 'EdDSA', sign } })
    return wallet
  }

  /** One exchange at a time per persona, so a fault never leaks into another request. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async send(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    const requestObject = this.requestObjects.fetch(input, init, agentDependencies.fetch)
    if (requestObject) return requestObject
    const body = init?.body
    if (init?.method !== 'POST' || !(typeof body === 'string' || body instanceof URLSearchParams)) return this.issuerMetadata.fetch(input, init)
    const params = new URLSearchParams(body)
    const vpToken = params.get('vp_token')
    if (!vpToken) return this.keepCredentialResponse(input, await this.issuanceWire.exchange(input, init, walletFetch))
    params.set('vp_token', await this.applyFault(vpToken))
    this.lastVpToken = vpToken
    if (this.faultedResponseEncryption) return walletFetch(input, { ...init, body: new URLSearchParams({ response: await encryptedResponse(params, this.faultedResponseEncryption) }).toString() })
    return walletFetch(input, { ...init, body: params.toString() })
  }

  /** Keeps the body of an OID4VCI credential response (§8.3), to say why a credential was refused (`explainRefusal`); other responses pass as they are. */
  private async keepCredentialResponse(input: Parameters<typeof fetch>[0], response: Response): Promise<Response> {
    const kept = this.credentialResponse
    if (!kept || String(input) !== kept.endpoint) return response
    kept.body = await response.clone().text()
    return response
  }

  /**
   * Says in a line why Credo refused a credential that does not verify: an SD-JWT VC's errors without the credential
   * Credo's message dumps (disclosed values included); a JWT VC, which Credo refuses without saying why, verified again
   * to name the checks that failed.
   */
  private async explainRefusal(error: unknown): Promise<unknown> {
    if (!(error instanceof Error)) return error
    const sdJwtResults = parseJson(/^Failed to validate sd-jwt-vc credentials\. Results = (.*)$/s.exec(error.message)?.[1]) as { error?: { message?: string } }[] | undefined
    if (Array.isArray(sdJwtResults)) {
      return new Error(`The credential does not verify (${sdJwtResults.map((result) => result.error?.message ?? 'invalid').join('; ')}): refused (OID4VCI 1.0 §8.3)`)
    }
    const jwtVcs = credentialsIn(this.credentialResponse?.body).filter((credential) => !credential.includes('~'))
    if (!error.message.startsWith('Failed to validate credential') || !jwtVcs.length) return error
    const failed: string[] = []
    for (const jwt of jwtVcs) {
      const { validations } = await this.agent.w3cCredentials.verifyCredential({ credential: W3cJwtVerifiableCredential.fromSerializedJwt(jwt) })
      for (const [check, result] of Object.entries(validations)) if (result && !result.isValid) failed.push(`${check}: ${result.error?.message ?? 'failed'}`)
    }
    return new Error(`The credential does not verify (${failed.join('; ')}): refused (OID4VCI 1.0 §8.3)`)
  }

  private async applyFault(vpToken: string): Promise<string> {
    switch (this.fault?.kind) {
      case 'tamper':
        return mapVpToken(vpToken, tamperPresentation)
      case 'wrong-holder-key':
        return mapVpToken(vpToken, swapHolderKey)
      case 'replay':
        if (!this.lastVpToken) throw new Error('Nothing to replay: this wallet has not presented before')
        return this.lastVpToken
      default:
        return vpToken
    }
  }

  private get didCommHolder(): DidCommHolderAgent {
    return { events: this.agent.events, didcomm: this.agent.didcomm, label: this.personaId }
  }

  /** What goes out for an AnonCreds proof Credo built: it, or what the current fault makes of it. */
  public async sendAnonCredsProof(proof: AnonCredsProof, request: AnonCredsProofRequest): Promise<AnonCredsProof> {
    const shape = requestShape(request)
    const sent = applyAnonCredsFault(this.fault, proof, this.lastAnonCredsProofs.get(shape))
    this.lastAnonCredsProofs.set(shape, proof)
    return sent
  }

  private async describeStored({ credentialRecordId }: CredentialRecordBinding): Promise<HeldCredential> {
    // Credo labels AnonCreds credentials 'w3c' whichever way the holder service stores them: look in both stores
    const anoncreds = (await this.agent.modules.anoncreds.getCredentials({})).find((c) => c.credentialId === credentialRecordId)
    return anoncreds ? describeAnonCreds(anoncreds) : describe(await this.agent.w3cCredentials.getById(credentialRecordId))
  }

  /** What goes out for a DIDComm presentation Credo built: it, or what the current fault makes of it. */
  public async sendLdpPresentation(presentation: JsonObject, request: PresentationRequestOptions): Promise<JsonObject> {
    const sent = await applyLdpFault(this.fault, presentation, request, {
      sign: (unsigned, verificationMethod, options) => this.signLdpPresentation(unsigned, verificationMethod, options),
      holderKey: this.ldpHolder.verificationMethod,
      foreignKey: async () => {
        this.foreignKey ??= `${(await this.agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })).didState.did}#0`
        return this.foreignKey
      },
      lastPresentation: this.lastLdpPresentation,
    })
    this.lastLdpPresentation = presentation
    return sent
  }

  private async signLdpPresentation(presentation: JsonObject, verificationMethod: string, request: PresentationRequestOptions): Promise<JsonObject> {
    const signed = await this.agent.w3cCredentials.signPresentation({
      format: ClaimFormat.LdpVp,
      proofType: LDP_PROOF_TYPE,
      proofPurpose: new vcLibraries.jsonldSignatures.purposes.AuthenticationProofPurpose({ challenge: request.challenge, domain: request.domain }),
      verificationMethod,
      presentation: JsonTransformer.fromJSON({ ...presentation, holder: parseDid(verificationMethod).did }, W3cPresentation),
      challenge: request.challenge,
      domain: request.domain,
    })
    return JsonTransformer.toJSON(signed) as JsonObject
  }

  public acceptOffer(offerUri: string, txCode?: string, fault?: IssuanceFault): Promise<HeldCredential[]> {
    if (isDidCommInvitationUrl(offerUri)) {
      if (fault) return Promise.reject(new WalletError('unprocessable', 'offer_failed', `Fault ${fault.kind} breaks a rule of the HAIP authorization code flow (OID4VCI); this is a DIDComm offer`))
      return this.serialize(async () => Promise.all((await fromPeer('offer_failed', () => acceptDidCommOffer(this.didCommHolder, offerUri))).map((stored) => this.describeStored(stored))))
    }
    return this.serialize(async () => {
      const credentials = await fromPeer('offer_failed', () => this.receiveOffered(offerUri, txCode, fault))
      for (const { record } of credentials) {
        if (record.type === 'MdocRecord') await this.agent.mdoc.store({ record: record as MdocRecord })
        else if (record.type === 'SdJwtVcRecord') await this.agent.sdJwtVc.store({ record: record as SdJwtVcRecord })
        else await this.agent.w3cCredentials.store({ record: record as W3cCredentialRecord })
      }
      return credentials.map(({ held }) => held)
    })
  }

  /** The OID4VCI exchange with the issuer, up to the credentials received and checked (not stored yet), each with what the wallet will hold. */
  private async receiveOffered(offerUri: string, txCode?: string, fault?: IssuanceFault): Promise<ReceivedRecord[]> {
    const holder = this.agent.openid4vc.holder
    const offer = await resolveCredentialOffer(this.agent, offerUri, this.issuerMetadata)
    if (offer.credentialOfferPayload.grants?.authorization_code) return this.receiveHaipOffer(offer, fault)
    if (fault) throw new WalletError('unprocessable', 'offer_failed', `Fault ${fault.kind} breaks a rule of the HAIP authorization code flow; this offer has no authorization_code grant`)
    // the pilots' pre-authorized flow stays bearer: DPoP is the HAIP flow's, whose issuer requires it (issuer/haip.ts)
    const token = await holder.requestToken({ resolvedCredentialOffer: withoutDpop(offer), txCode })
    const kid = `${this.holderDid}#0`
    const request = (cNonce: string | undefined) =>
      holder.requestCredentials({ resolvedCredentialOffer: offer, ...token, cNonce, credentialBindingResolver: holderBinding(this.agent, kid, `${this.es256HolderDid}#0`) })
    // a c_nonce refused as invalid (stale) is replaced by a fresh one from the Nonce Endpoint, once (OID4VCI 1.0 §8.3.1.2, §7)
    this.credentialResponse = { endpoint: offer.metadata.credentialIssuer.credential_endpoint }
    const { credentials } = await request(token.cNonce)
      .catch((error: unknown) => {
        if (credentialErrorCode(error) === 'invalid_nonce') return request(undefined)
        throw error
      })
      .catch(async (error: unknown) => {
        throw await this.explainRefusal(error)
      })
    const checked: ReceivedRecord[] = []
    for (const { record, credentialConfigurationId } of credentials) {
      const received = record as SdJwtVcRecord | W3cCredentialRecord | MdocRecord
      checked.push({ record: received, held: await this.checkReceived(received, offer.offeredCredentialConfigurations[credentialConfigurationId] as OfferedConfiguration) })
    }
    return checked
  }

  /**
   * An offer with an authorization_code grant: the HAIP 1.0 flow (wallet-sim/haipIssuance.ts), `fault` breaking one of its
   * rules on the wire; an issuer's refusal is answered as `issuer_refused`, with the requirement the issuer named.
   */
  private async receiveHaipOffer(offer: OpenId4VciResolvedCredentialOffer, fault?: IssuanceFault): Promise<ReceivedRecord[]> {
    if (!this.walletProvider)
      throw new WalletError('unprocessable', 'offer_failed', 'This offer asks for the authorization code flow with a Wallet Attestation (HAIP 1.0 §4.4.1), and this wallet has no wallet provider')
    this.issuanceWire.start(fault)
    try {
      const credentials = await requestHaipCredentials({ agent: this.agent, provider: this.walletProvider, wire: this.issuanceWire }, offer)
      // bound to keys this wallet attested and requested them for: Credo refuses a credential for any other key
      const checked: ReceivedRecord[] = []
      for (const { record, credentialConfigurationId } of credentials) {
        const received = record as SdJwtVcRecord | MdocRecord
        checked.push({ record: received, held: await this.checkReceived(received, offer.offeredCredentialConfigurations[credentialConfigurationId] as OfferedConfiguration, 'requested-key') })
      }
      return checked
    } catch (error) {
      const refusal = this.issuanceWire.refusal
      if (!refusal) throw error
      const requirement = refusal.requirement ? ` (HAIP requirement ${refusal.requirement})` : ''
      throw new WalletError(
        'unprocessable',
        'issuer_refused',
        `The issuer refused at its ${refusal.endpoint} endpoint${requirement}: ${refusal.error}${refusal.errorDescription ? ` (${refusal.errorDescription})` : ''}`,
        refusal,
      )
    } finally {
      this.issuanceWire.start()
    }
  }

  /**
   * OID4VCI 1.0 §8.3: the offered type, bound to this holder's key, from an issuer the registry authorizes (when it has
   * one). Answers what the wallet will hold, described from the credential as parsed for these checks (parsed once).
   */
  private async checkReceived(
    record: SdJwtVcRecord | W3cCredentialRecord | MdocRecord,
    offered: OfferedConfiguration,
    binding: 'holder-did' | 'requested-key' = 'holder-did',
  ): Promise<HeldCredential> {
    // an mdoc's device key is one this wallet requested it for: Credo refuses any other
    const parsed = record.type === 'MdocRecord' ? undefined : (record as SdJwtVcRecord | W3cCredentialRecord).firstCredential
    // Credo parses a W3C record's credential again at each read of `firstCredential`, twice when it stores it: it reads this one
    if (record.type === 'W3cCredentialRecord') Object.defineProperty(record, 'firstCredential', { value: parsed, configurable: true })
    const credential = parsed ? received(record as SdJwtVcRecord | W3cCredentialRecord, parsed) : receivedMdoc(record as MdocRecord)
    checkOfferedType(credential, offered)
    if (parsed && binding === 'holder-did') checkHolderBinding(credential, [this.holderDid, this.es256HolderDid])
    if (this.trustRegistryUrl) await checkIssuerTrusted(credential, this.trustRegistryUrl)
    return parsed ? describe(record as SdJwtVcRecord | W3cCredentialRecord, parsed) : describeMdoc(record as MdocRecord)
  }

  public present(requestUri: string, fault?: Fault): Promise<PresentationOutcome> {
    if (isDidCommInvitationUrl(requestUri)) return this.serialize(() => this.answerDidCommRequest(requestUri, fault))
    return this.serialize(async () => {
      const holder = this.agent.openid4vc.holder
      this.requestObjects.expect(requestUri)
      const resolving = fromPeer('request_failed', () => holder.resolveOpenId4VpAuthorizationRequest(requestUri))
      // judged whether Credo resolved it or not: the refusal names the HAIP requirement the request breaks
      const haipRefusal = isHaipRequest(requestUri) ? await this.haipRefusal(requestUri, resolving) : undefined
      if (haipRefusal) return { submitted: false, check: 'profile', ...haipRefusal, fault }
      const request = await resolving
      if (!request.dcql) {
        const error = 'The verifier asks with a DIF Presentation Exchange definition (OID4VP drafts); this wallet answers DCQL queries (OID4VP 1.0)'
        return { submitted: false, error, check: 'spec-version', fault }
      }
      if (!request.dcql.queryResult.can_be_satisfied) {
        const untrusted = isHaipRequest(requestUri) ? untrustedAuthorityRefusal(request.dcql.queryResult.credential_matches) : undefined
        if (untrusted) return { submitted: false, check: 'profile', ...untrusted, fault }
        const asked = [...new Set(request.dcql.queryResult.credentials.map((query) => String(query.format)))]
        const error = `This wallet holds no credentials that satisfy the request (it asks for ${asked.join(', ')})`
        return { submitted: false, error, ...(specVersionMismatch(error) ? { check: 'spec-version' as const } : {}), fault }
      }
      const overAsking = overAsked(request.authorizationRequestPayload)
      if (overAsking) return { submitted: false, error: overAsking, fault }
      const clientId = request.verifier.effectiveClientId
      const nonce = String(request.authorizationRequestPayload.nonce)
      const selected = holder.selectCredentialsForDcqlRequest(request.dcql.queryResult)
      if (fault?.kind === 'withhold') {
        for (const matches of Object.values(selected)) for (const match of matches) delete (match.disclosedPayload as Record<string, unknown>)[fault.claim]
      }
      if (fault?.kind === 'wrong-holder-key') await signWithForeignDeviceKey(this.agent, selected)
      // the request claimed as answered in one statement, one already claimed being a replay; released below when no answer went out
      if (!(await this.db.run('INSERT INTO answered_requests (client_id, nonce, answered_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [clientId, nonce, new Date().toISOString()]))) {
        return { submitted: false, error: replayMessage(clientId), fault }
      }
      this.fault = fault
      const payload = withPreferredEncryption(request.authorizationRequestPayload)
      const encryptedFaulty = payload.response_mode === 'direct_post.jwt' && fault !== undefined && VP_TOKEN_FAULTS.has(fault.kind)
      this.faultedResponseEncryption = encryptedFaulty ? (payload.client_metadata as Parameters<typeof encryptedResponse>[1]) : undefined
      let answered = false
      try {
        const accepted = await holder.acceptOpenId4VpAuthorizationRequest({
          // the unencrypted-response fault answers in the clear (direct_post) where the request asks for a JWE; a vp_token fault too, then encrypted by `send`
          authorizationRequestPayload: fault?.kind === 'unencrypted-response' || encryptedFaulty ? ({ ...payload, response_mode: 'direct_post' } as typeof payload) : payload,
          dcql: { credentials: selected },
        })
        answered = true
        const { serverResponse } = accepted
        // an honest direct_post.jwt answer left encrypted by Credo, so `send` never saw its vp_token: kept here for the replay fault
        const sentVpToken = accepted.authorizationResponsePayload?.vp_token
        if (!fault && sentVpToken && payload.response_mode === 'direct_post.jwt') this.lastVpToken = typeof sentVpToken === 'string' ? sentVpToken : JSON.stringify(sentVpToken)
        // same device (HAIP 1.0 §5, OID4VP 1.0 §8.2): the wallet follows the redirect_uri the verifier answered its response with
        if (accepted.ok && accepted.redirectUri && fault?.kind !== 'ignore-redirect') await fetch(accepted.redirectUri, { redirect: 'manual' })
        const ok = serverResponse !== undefined && serverResponse.status < 300
        return { submitted: true, verifierStatus: serverResponse?.status, verifierResponse: serverResponse?.body, error: ok ? undefined : describeRejection(serverResponse?.body), fault }
      } catch (error) {
        if (!answered) await this.db.run('DELETE FROM answered_requests WHERE client_id = ? AND nonce = ?', [clientId, nonce])
        return { submitted: true, error: error instanceof Error ? error.message : String(error), fault }
      } finally {
        this.fault = undefined
        this.faultedResponseEncryption = undefined
      }
    })
  }

  /** HAIP 1.0: the request object Credo fetched, judged by the wallet (wallet-sim/haipRequest.ts) against the verifier roots its registry lists. */
  private async haipRefusal(requestUri: string, resolving: Promise<unknown>): Promise<HaipRefusal | undefined> {
    await resolving.catch(() => undefined)
    const registryUrl = this.verifierRegistryUrl
    const verifierRoots = async () => (registryUrl ? registryAnchors(registryUrl, { keyPin: registryKeyPin }) : [])
    return haipRequestRefusal(requestUri, this.requestObjects.requestObject, verifierRoots)
  }

  private async answerDidCommRequest(requestUri: string, fault?: Fault): Promise<PresentationOutcome> {
    this.fault = fault
    try {
      const result = await fromPeer('request_failed', () => presentOverDidComm(this.didCommHolder, requestUri))
      return {
        submitted: result.submitted,
        verifierResponse: result.state ? { state: result.state } : undefined,
        error: result.error,
        ...(result.specVersion ? { check: 'spec-version' as const } : result.predicateUnsatisfied ? { check: 'predicates' as const } : {}),
        fault,
      }
    } finally {
      this.fault = undefined
    }
  }

  public async credentials(): Promise<HeldCredential[]> {
    const sdJwts = await this.agent.sdJwtVc.getAll()
    const w3c = await this.agent.w3cCredentials.getAll()
    const anoncreds = await this.agent.modules.anoncreds.getCredentials({})
    const mdocs = await this.agent.mdoc.getAll()
    return [...[...sdJwts, ...w3c].map((record) => describe(record)), ...mdocs.map(describeMdoc), ...anoncreds.map(describeAnonCreds), ...(await this.vcApi.credentials())]
  }

  public forgetCredentials(): Promise<void> {
    return this.serialize(async () => {
      for (const record of await this.agent.sdJwtVc.getAll()) await this.agent.sdJwtVc.deleteById(record.id)
      for (const record of await this.agent.mdoc.getAll()) await this.agent.mdoc.deleteById(record.id)
      for (const record of await this.agent.w3cCredentials.getAll()) await this.agent.w3cCredentials.deleteById(record.id)
      const holder = this.agent.dependencyManager.resolve<AnonCredsHolderService>(AnonCredsHolderServiceSymbol)
      for (const { credentialId } of await this.agent.modules.anoncreds.getCredentials({})) await holder.deleteCredential(this.agent.context, credentialId)
      await this.vcApi.forget()
    })
  }

  public close(): Promise<void> {
    return this.shutdownAgent()
  }
}

/** HAIP 1.0 §5: the response JWE in A256GCM when the verifier lists it (Credo's holder takes the first of its own list the verifier lists: A128GCM). */
function withPreferredEncryption<P extends { client_metadata?: { encrypted_response_enc_values_supported?: string[] } }>(payload: P): P {
  const listed = payload.client_metadata?.encrypted_response_enc_values_supported
  return listed ? { ...payload, client_metadata: { ...payload.client_metadata, encrypted_response_enc_values_supported: [responseEncryption(listed)] } } : payload
}

/** The persona's P-256 did:jwk, created on first use and kept. */
async function ensureEs256HolderDid(agent: WalletAgent, db: Database, personaId: string): Promise<string> {
  const [row] = await db.query<{ did: string }>('SELECT did FROM holder_identity_es256 WHERE persona = ?', [personaId])
  if (row) return row.did
  const created = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'EC', crv: 'P-256' } } } })
  await db.run('INSERT INTO holder_identity_es256 (persona, did) VALUES (?, ?)', [personaId, created.didState.did!])
  return created.didState.did!
}

function describeAnonCreds(credential: AnonCredsCredentialInfo): HeldCredential {
  return { id: credential.credentialId, format: 'anoncreds', type: credential.schemaId, issuer: credential.credentialDefinitionId, claims: credential.attributes }
}

/** The offer as if its authorization server listed no DPoP algorithms: Credo's holder then asks for a bearer token. */
function withoutDpop(offer: OpenId4VciResolvedCredentialOffer): OpenId4VciResolvedCredentialOffer {
  const authorizationServers = offer.metadata.authorizationServers.map(({ dpop_signing_alg_values_supported: _dpop, ...server }) => server)
  return { ...offer, metadata: { ...offer.metadata, authorizationServers } }
}

/** The OID4VCI error code of a refused credential request, as Credo's holder reports it. */
function credentialErrorCode(error: unknown): string | undefined {
  return (error as { response?: { credentialErrorResponseResult?: { data?: { error?: string } } } }).response?.credentialErrorResponseResult?.data?.error
}

/** The credentials of an OID4VCI credential response (§8.3) that are strings (JWTs, SD-JWTs). */
function credentialsIn(body: string | undefined): string[] {
  const parsed = parseJson(body) as { credentials?: { credential?: unknown }[] } | undefined
  return Array.isArray(parsed?.credentials) ? parsed.credentials.map((c) => c?.credential).filter((c): c is string => typeof c === 'string') : []
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

function describeRejection(body: unknown): string {
  if (body && typeof body === 'object' && 'error_description' in body) return String((body as { error_description: unknown }).error_description)
  return typeof body === 'string' ? body : JSON.stringify(body)
}

/** A received credential and what the wallet holds of it. */
interface ReceivedRecord {
  record: SdJwtVcRecord | W3cCredentialRecord | MdocRecord
  held: HeldCredential
}

function describe(record: SdJwtVcRecord | W3cCredentialRecord, parsed: ParsedCredential = record.firstCredential): HeldCredential {
  if (record.type === 'SdJwtVcRecord') {
    const credential = parsed as SdJwtVcRecord['firstCredential']
    const { vct, iss, cnf, iat, exp, status, ...claims } = credential.prettyClaims as Record<string, unknown>
    return { id: record.id, format: 'dc+sd-jwt', type: String(vct), issuer: String(iss), claims }
  }
  const credential = parsed as W3cCredentialRecord['firstCredential']
  const subject = credential.credentialSubject as unknown as { claims?: Record<string, unknown> }[]
  return {
    id: record.id,
    format: credential.claimFormat === ClaimFormat.LdpVc ? 'ldp_vc' : 'jwt_vc_json',
    type: credential.type.filter((t) => t !== 'VerifiableCredential').join(','),
    issuer: credential.issuerId,
    claims: (Array.isArray(subject) ? subject[0] : subject)?.claims ?? {},
  }
}

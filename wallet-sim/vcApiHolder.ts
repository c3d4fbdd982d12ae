import { generateKeyPairSync, randomUUID, sign as signWith } from 'node:crypto'
import { TypedArrayEncoder } from '@credo-ts/core'
import { z } from 'zod'
import type { Database } from '@interop-lab/common/db'
import { CONTEXTS, createDocumentLoader } from '@interop-lab/common/jsonld'
import { addDataIntegrityProof, eddsaRdfc2022, isObject, type JsonObject, type Signer, typesOf } from '@interop-lab/common/vc2'
import type { Fault } from './faults'
import type { HeldCredential } from './wallet'

/**
 * A Verifiable Presentation Request (W3C CCG VP Request Spec, as the VC API's exchanges use it): QueryByExample
 * queries naming the credential types wanted, and the challenge and domain the presentation's proof must carry.
 */
export const verifiablePresentationRequestSchema = z.strictObject({
  query: z
    .array(
      z.strictObject({
        type: z.literal('QueryByExample'),
        credentialQuery: z.union([
          z.array(z.looseObject({ example: z.looseObject({ type: z.union([z.string(), z.array(z.string())]) }) })),
          z.looseObject({ example: z.looseObject({ type: z.union([z.string(), z.array(z.string())]) }) }),
        ]),
      }),
    )
    .min(1),
  challenge: z.string().min(1),
  domain: z.string().min(1),
})
export type VerifiablePresentationRequest = z.infer<typeof verifiablePresentationRequestSchema>

export const vcApiMigrations = [{ id: 'wallet-vc-api-credentials-1', sql: 'CREATE TABLE vc_api_credentials (id TEXT PRIMARY KEY, credential TEXT NOT NULL, received_at TEXT NOT NULL)' }]

/** A holder DID and the key that signs under it. */
export interface HolderDid {
  did: string
  verificationMethod: string
  signer: Signer
}

/** Why the wallet will not keep or present something: the persona's route answers 422 with it. */
export class VcApiHolderError extends Error {
  public constructor(message: string) {
    super(message)
    this.name = 'VcApiHolderError'
  }
}

/** A did:key of a fresh Ed25519 key, for the wrong-holder-key fault: the presentation says one holder, another key signs it. */
function foreignHolder(): HolderDid {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const fingerprint = `z${TypedArrayEncoder.toBase58(Buffer.concat([Buffer.from([0xed, 0x01]), x]))}`
  const did = `did:key:${fingerprint}`
  return { did, verificationMethod: `${did}#${fingerprint}`, signer: { algorithm: 'EdDSA', sign: async (data) => signWith(null, data, privateKey) } }
}

const wantedTypes = (request: VerifiablePresentationRequest) =>
  request.query.flatMap((query) => [query.credentialQuery].flat().flatMap((credentialQuery) => [credentialQuery.example.type].flat())).filter((type) => type !== 'VerifiableCredential')

/**
 * A persona's W3C VC API credentials: kept as issued (Data Integrity, bound to the persona's did:key by
 * credentialSubject.id), presented in a VCDM 2.0 presentation the holder signs (eddsa-rdfc-2022, proof purpose
 * authentication, with the request's challenge and domain), which is what VC API `/presentations/verify` checks.
 */
export class VcApiHolder {
  private lastPresentation?: JsonObject
  private readonly documentLoader = createDocumentLoader()

  public constructor(
    private readonly db: Database,
    public readonly holder: HolderDid,
  ) {}

  /** Keeps a credential issued to this holder; refuses one bound to another subject or carrying no proof. */
  public async keep(credential: unknown): Promise<HeldCredential> {
    if (!isObject(credential) || !typesOf(credential).includes('VerifiableCredential')) throw new VcApiHolderError('not a verifiable credential (VCDM 2.0 §4.5: type VerifiableCredential)')
    if (credential.proof === undefined) throw new VcApiHolderError('the credential has no proof (VC Data Integrity §2.1): the wallet keeps only secured credentials')
    const subject = isObject(credential.credentialSubject) ? credential.credentialSubject.id : undefined
    if (subject !== this.holder.did) throw new VcApiHolderError(`the credential is issued to ${String(subject)}, not to this holder ${this.holder.did} (VCDM 2.0 §4.8 credentialSubject.id)`)
    // the wallet's own record id: a credential's `id` is the issuer's to choose, and may repeat
    const id = randomUUID()
    await this.db.run('INSERT INTO vc_api_credentials (id, credential, received_at) VALUES (?, ?, ?)', [id, JSON.stringify(credential), new Date().toISOString()])
    return describe(id, credential)
  }

  public async held(): Promise<{ id: string; credential: JsonObject }[]> {
    const rows = await this.db.query<{ id: string; credential: string }>('SELECT id, credential FROM vc_api_credentials ORDER BY received_at')
    return rows.map((row) => ({ id: row.id, credential: JSON.parse(row.credential) as JsonObject }))
  }

  public async credentials(): Promise<HeldCredential[]> {
    return (await this.held()).map(({ id, credential }) => describe(id, credential))
  }

  public async forget(): Promise<void> {
    await this.db.run('DELETE FROM vc_api_credentials')
    this.lastPresentation = undefined
  }

  /** A signed presentation of the held credentials the request asks for by example (or, with a fault, a broken one). */
  public async present(request: VerifiablePresentationRequest, fault?: Fault): Promise<JsonObject> {
    const types = wantedTypes(request)
    const chosen = (await this.held()).filter(({ credential }) => typesOf(credential).some((type) => types.includes(type))).map(({ credential }) => credential)
    if (!chosen.length) throw new VcApiHolderError(`the wallet holds no credential of type ${types.join(', ')}`)
    if (fault?.kind === 'replay') {
      if (!this.lastPresentation) throw new VcApiHolderError('the replay fault needs an earlier presentation to send again')
      return this.lastPresentation
    }
    if (fault && fault.kind !== 'tamper' && fault.kind !== 'wrong-holder-key') throw new VcApiHolderError(`the ${fault.kind} fault does not apply to a Data Integrity presentation`)
    // tamper: a claim changed after the issuer signed, so its proof no longer verifies
    const credentials = fault?.kind === 'tamper' ? chosen.map((credential, index) => (index ? credential : tamper(credential))) : chosen
    const signer = fault?.kind === 'wrong-holder-key' ? foreignHolder() : this.holder
    const unsigned = { '@context': [CONTEXTS.credentialsV2], type: ['VerifiablePresentation'], holder: this.holder.did, verifiableCredential: credentials }
    const presentation = await addDataIntegrityProof(
      unsigned,
      eddsaRdfc2022,
      { verificationMethod: signer.verificationMethod, proofPurpose: 'authentication', challenge: request.challenge, domain: request.domain },
      signer.signer,
      this.documentLoader,
    )
    if (!fault) this.lastPresentation = presentation
    return presentation
  }
}

function tamper(credential: JsonObject): JsonObject {
  const subject = credential.credentialSubject as JsonObject
  const [claim] = Object.keys(subject).filter((key) => key !== 'id')
  return { ...credential, credentialSubject: { ...subject, [claim]: `${String(subject[claim])} (altered)` } }
}

function describe(id: string, credential: JsonObject): HeldCredential {
  const { id: _subject, ...claims } = (credential.credentialSubject ?? {}) as JsonObject
  const issuer = isObject(credential.issuer) ? String(credential.issuer.id) : String(credential.issuer)
  return {
    id,
    format: 'ldp_vc',
    type: typesOf(credential)
      .filter((type) => type !== 'VerifiableCredential')
      .join(', '),
    issuer,
    claims,
  }
}

import { AnonCredsApi, type AnonCredsProof, type AnonCredsProofRequest, type AnonCredsRequestedPredicate } from '@credo-ts/anoncreds'
import { DidJwk, DidsApi, getPublicJwkFromVerificationMethod, Kms } from '@credo-ts/core'
import { randomUUID, createHash } from 'node:crypto'
import { dateInt, findMisencodedAttributes } from '@interop-lab/common/anoncreds'
import type { Database, Migration } from '@interop-lab/common/db'
import { createInvitation, type DidCommConnection } from '@interop-lab/common/didcomm/invitations'
import { credentialChecks } from '../checks'
import { type CredentialResult, type Decision, decide, type Finding, finding, type TrustCheck } from '../decision'
import type { VerificationPolicy } from '../policy'
import type { PresentedCredential } from '../presented'
import type { DidCommVerifier } from './verifications'

export const anonCredsVerificationMigrations: Migration[] = [
  { id: 'anoncreds-requests-1', sql: 'CREATE TABLE anoncreds_requests (proof_record_id TEXT PRIMARY KEY, verification_id TEXT NOT NULL, query_id TEXT NOT NULL)' },
  { id: 'anoncreds-seen-proofs-1', sql: 'CREATE TABLE anoncreds_seen_proofs (digest TEXT PRIMARY KEY, proof_record_id TEXT NOT NULL)' },
]

const FINAL_STATES = ['presentation-received', 'done', 'abandoned', 'declined']
const ANONCREDS_PROOF = 'AnonCreds v1.0, Verify Presentation'

/** The proof request for one credential of a policy: its claims revealed, its predicates proven, from any issuer of the type's schema. */
export function anonCredsProofRequestFor(policy: VerificationPolicy, queryId: string, verifier: DidCommVerifier, today = new Date()) {
  const wanted = policy.credentials.find((c) => c.id === queryId)!
  const schema = verifier.types.get(wanted.credentialType)?.anoncreds
  if (!schema) throw new Error(`${wanted.credentialType} has no AnonCreds schema`)
  // any issuer of this schema: the trust registry, not the request, says which issuers count
  const restrictions = [{ schema_name: schema.schemaName, schema_version: schema.schemaVersion }]
  const predicates: Record<string, AnonCredsRequestedPredicate> = {}
  for (const predicate of wanted.predicates ?? []) {
    const threshold = new Date(today)
    threshold.setUTCFullYear(threshold.getUTCFullYear() - predicate.yearsBeforeToday)
    predicates[predicate.id] = { name: predicate.claim, p_type: predicate.p_type, p_value: Number(dateInt(threshold)), restrictions }
  }
  return {
    name: `${policy.name.en}: ${wanted.credentialType}`,
    version: '1.0',
    requested_attributes: Object.fromEntries(wanted.claims.map((claim) => [claim, { name: claim, restrictions }])),
    requested_predicates: predicates,
  }
}

/**
 * AnonCreds present-proof v2 requests for a policy: one per credential (the WASM prover proves from one credential
 * at a time), each in its own out-of-band invitation; the verification is their sum.
 */
export async function createAnonCredsVerification(verifier: DidCommVerifier, db: Database, policy: VerificationPolicy, connection?: DidCommConnection): Promise<{ id: string; requestUris: string[] }> {
  const id = randomUUID()
  const requestUris: string[] = []
  for (const wanted of policy.credentials) {
    const { message, proofRecord } = await verifier.didcomm.proofs.createRequest({
      protocolVersion: 'v2',
      proofFormats: { anoncreds: anonCredsProofRequestFor(policy, wanted.id, verifier) },
    })
    const invitation = await createInvitation(verifier.didcomm, message, policy.name.en, connection)
    await db.run('INSERT INTO anoncreds_requests (proof_record_id, verification_id, query_id) VALUES (?, ?, ?)', [proofRecord.id, id, wanted.id])
    requestUris.push(invitation.outOfBandInvitation.toUrl({ domain: verifier.invitationDomain }))
  }
  return { id, requestUris }
}

/** A fingerprint of the proof itself (not of the values revealed): the same proof sent again has the same one. */
const proofDigest = (proof: AnonCredsProof) => createHash('sha256').update(JSON.stringify(proof.proof)).digest('hex')

const P_TYPES: Record<AnonCredsRequestedPredicate['p_type'], string> = { '>=': 'GE', '>': 'GT', '<=': 'LE', '<': 'LT' }
/** Attribute names as the library compares them: case and spaces ignored. */
const attributeName = (name: string) => name.replace(/\s/g, '').toLowerCase()

interface ProvenPredicate {
  attr_name: string
  p_type: string
  value: number
}

/** The predicates the sub-proof answering `referent` proves cryptographically (its GE proofs), whatever the proof's summary says. */
function provenPredicates(proof: AnonCredsProof, referent: string): ProvenPredicate[] {
  const index = proof.requested_proof.predicates?.[referent]?.sub_proof_index
  const subProofs = (proof.proof as { proofs?: { primary_proof?: { ge_proofs?: { predicate: ProvenPredicate }[] } }[] }).proofs
  return index === undefined ? [] : (subProofs?.[index]?.primary_proof?.ge_proofs ?? []).map((ge) => ge.predicate)
}

/** The checks of one AnonCreds proof: encoding of revealed values, freshness, the proof itself and its predicates. */
export async function checkProof(db: Database, proofRecordId: string, proof: AnonCredsProof, request: AnonCredsProofRequest | undefined, verified: boolean): Promise<Finding[]> {
  const misencoded = findMisencodedAttributes(proof)
  const shown = misencoded.map((m) => `${m.referent} is shown as ${JSON.stringify(m.raw)}, which does not encode to the value the issuer signed`).join('; ')
  const shownFr = misencoded.map((m) => `${m.referent} est montré comme ${JSON.stringify(m.raw)}, qui ne s’encode pas en la valeur signée`).join('; ')
  const encoding = misencoded.length
    ? finding(
        'encoding',
        false,
        { en: `Revealed value(s) do not match what the issuer signed: ${shown}`, fr: `Des valeurs révélées ne correspondent pas à ce que l’émetteur a signé : ${shownFr}`, clause: ANONCREDS_PROOF },
        misencoded,
      )
    : finding('encoding', true, {
        en: 'Every revealed raw value encodes to the value the issuer signed',
        fr: 'Chaque valeur révélée s’encode en la valeur signée par l’émetteur',
        clause: ANONCREDS_PROOF,
      })
  const digest = proofDigest(proof)
  await db.run('INSERT INTO anoncreds_seen_proofs (digest, proof_record_id) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING', [digest, proofRecordId])
  const [seen] = await db.query<{ proof_record_id: string }>('SELECT proof_record_id FROM anoncreds_seen_proofs WHERE digest = ?', [digest])
  const replayed = seen && seen.proof_record_id !== proofRecordId
  const nonce = replayed
    ? finding('nonce', false, {
        en: `The proof was made for an earlier request (first presented in exchange ${seen.proof_record_id}), not for this request's nonce: a replay`,
        fr: `La preuve a été faite pour une demande antérieure (présentée d’abord dans l’échange ${seen.proof_record_id}), pas pour le nonce de cette demande : un rejeu`,
        clause: ANONCREDS_PROOF,
      })
    : finding('nonce', true, { en: "The proof was made for this request's nonce", fr: 'La preuve a été faite pour le nonce de cette demande', clause: ANONCREDS_PROOF })
  const predicates = Object.entries(request?.requested_predicates ?? {}).map(([referent, p]) => {
    const what = `${p.name} ${p.p_type} ${p.p_value}`
    const offered = provenPredicates(proof, referent)
    const proven = offered.some((q) => q.attr_name === attributeName(p.name) && q.p_type === P_TYPES[p.p_type] && q.value === p.p_value)
    const instead = offered.map((q) => `${q.attr_name} ${q.p_type} ${q.value}`).join(', ')
    return finding('predicates', proven, {
      en: `${what}: ${proven ? 'proven without revealing the value' : `not proven${instead && ` (the proof proves ${instead})`}`}`,
      fr: `${what} : ${proven ? 'prouvé sans révéler la valeur' : `non prouvé${instead && ` (la preuve prouve ${instead})`}`}`,
      clause: ANONCREDS_PROOF,
    })
  })
  const unproven = predicates.filter((p) => !p.passed)
  if (verified) {
    return [
      encoding,
      nonce,
      finding('signature', true, {
        en: "The AnonCreds proof verifies against the issuer's credential definition",
        fr: 'La preuve AnonCreds se vérifie avec la définition de titre de l’émetteur',
        clause: ANONCREDS_PROOF,
      }),
      finding('holder-binding', true, {
        en: 'The proof shows knowledge of the link secret the credential was issued to',
        fr: 'La preuve démontre la connaissance du secret de lien auquel le titre a été délivré',
        clause: ANONCREDS_PROOF,
      }),
      ...predicates,
    ]
  }
  // refused: name what explains it (a value shown differently from what was signed, a replay, a predicate not the one asked), else the proof itself
  if (!encoding.passed || replayed || unproven.length) return [encoding, ...(replayed ? [nonce] : []), ...unproven]
  return [
    encoding,
    finding('signature', false, {
      en: "The AnonCreds proof does not verify against the issuer's credential definition: a revealed value or the proof was altered",
      fr: 'La preuve AnonCreds ne se vérifie pas avec la définition de titre de l’émetteur : une valeur révélée ou la preuve a été modifiée',
      clause: ANONCREDS_PROOF,
    }),
  ]
}

/**
 * What the verifier reads from a verified proof: the type (its schema's name) and the issuer (its credential
 * definition's DID), both from the objects as the registry resolves them (over HTTP for a did:webvh), and the revealed
 * claims.
 */
async function presentedCredential(queryId: string, proof: AnonCredsProof, verifier: DidCommVerifier): Promise<PresentedCredential> {
  const [identifiers] = proof.identifiers
  const anoncreds = verifier.agentContext.dependencyManager.resolve(AnonCredsApi)
  const { schema } = await anoncreds.getSchema(identifiers.schema_id)
  const { credentialDefinition } = await anoncreds.getCredentialDefinition(identifiers.cred_def_id)
  const type = [...verifier.types.values()].find((t) => t.anoncreds?.schemaName === schema?.name)
  const claims: Record<string, unknown> = {}
  for (const [referent, revealed] of Object.entries(proof.requested_proof.revealed_attrs)) {
    if (revealed.raw === '') continue // an absent optional claim
    const claim = type?.claims[referent]
    claims[referent] = claim?.type === 'date' && /^\d{8}$/.test(revealed.raw) ? `${revealed.raw.slice(0, 4)}-${revealed.raw.slice(4, 6)}-${revealed.raw.slice(6)}` : revealed.raw
  }
  return {
    queryId,
    format: 'anoncreds',
    issuer: credentialDefinition?.issuerId ?? identifiers.cred_def_id,
    credentialType: type?.id,
    claims,
    proof: { kind: 'anoncreds', credentialDefinitionId: identifiers.cred_def_id },
  }
}

/**
 * The DID the trust registry binds for an AnonCreds issuer: a did:webvh issuer's document (resolved over HTTP) lists
 * as its assertion key the same Ed25519 key as the jurisdiction's did:jwk, which the registry binds, so the registry is
 * asked about that did:jwk (as for a did:key issuer of JSON-LD credentials, verifier/trust.ts). Any other issuer id
 * is asked about as it is.
 */
async function trustRegistryDidOf(verifier: DidCommVerifier, issuerId: string): Promise<string> {
  if (!issuerId.startsWith('did:webvh:')) return issuerId
  try {
    const document = await verifier.agentContext.dependencyManager.resolve(DidsApi).resolveDidDocument(issuerId)
    const [method] = document.assertionMethod ?? []
    if (!method) return issuerId
    const publicJwk = getPublicJwkFromVerificationMethod(document.dereferenceKey(typeof method === 'string' ? method : method.id, ['assertionMethod']))
    return publicJwk.is(Kms.Ed25519PublicJwk) ? DidJwk.fromPublicJwk(publicJwk).did : issuerId
  } catch {
    // a DID that does not resolve is asked about as it is: no registry binds it
    return issuerId
  }
}

/**
 * The decision on an AnonCreds verification once every proof exchange is over: per proof, the encoding of revealed
 * values, freshness (a proof seen before is a replay), the proof itself (signature, link secret, predicates); then the
 * same policy evaluation as the other formats (type, claims, trust registry for the credential definition's DID,
 * minimization, rules).
 */
export async function decideAnonCredsVerification(verifier: DidCommVerifier, db: Database, policy: VerificationPolicy, id: string): Promise<{ state: string; decision?: Decision }> {
  const parts = await db.query<{ proof_record_id: string; query_id: string }>('SELECT proof_record_id, query_id FROM anoncreds_requests WHERE verification_id = ?', [id])
  if (!parts.length) return { state: 'unknown' }
  const records = await Promise.all(parts.map((part) => verifier.didcomm.proofs.findById(part.proof_record_id)))
  const pending = records.find((record) => !record || !FINAL_STATES.includes(record.state))
  if (pending !== undefined) return { state: pending?.state ?? 'unknown' }
  const credentials: CredentialResult[] = []
  for (const [i, part] of parts.entries()) {
    const record = records[i]!
    const { presentation, request } = await verifier.didcomm.proofs.getFormatData(record.id)
    const proof = presentation?.anoncreds as AnonCredsProof | undefined
    if (!proof || !request?.anoncreds) {
      // a misencoded value is kept as a proof that does not verify (KeepingProofFormatService): no proof means none came
      const refusal = record.errorMessage ?? 'the exchange ended without one'
      credentials.push({ queryId: part.query_id, findings: [finding('response', false, { en: `No proof was received: ${refusal}`, fr: `Aucune preuve n’a été reçue : « ${refusal} »` })] })
      continue
    }
    const findings = await checkProof(db, record.id, proof, request.anoncreds as AnonCredsProofRequest, record.isVerified === true)
    credentials.push({ queryId: part.query_id, findings, ...(record.isVerified ? { credential: await presentedCredential(part.query_id, proof, verifier) } : {}) })
  }
  const state = records.at(-1)!.state
  const trust: TrustCheck = async (query) => verifier.trust({ ...query, issuer: await trustRegistryDidOf(verifier, query.issuer) })
  const checks = { trust, clock: verifier.clock, ...credentialChecks(verifier.agentContext) }
  return { state, decision: await decide(policy, verifier.purposes, { response: [], credentials }, checks) }
}

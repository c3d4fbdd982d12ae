import type { AnonCredsProof, AnonCredsProofRequest, AnonCredsRequestedPredicate } from '@credo-ts/anoncreds'
import { randomUUID, createHash } from 'node:crypto'
import { dateInt, findMisencodedAttributes, parseCredentialDefinitionId, parseSchemaId } from '../../common/anoncreds'
import type { Database, Migration } from '../../common/db'
import type { CheckName, Decision, TraceStep } from '../decision'
import { evaluatePresentation, finish } from '../decision'
import type { VerificationPolicy } from '../policy'
import type { PresentedCredential } from '../presented'
import type { DidCommVerifier } from './verifications'

export const anonCredsVerificationMigrations: Migration[] = [
  { id: 'anoncreds-requests-1', sql: 'CREATE TABLE anoncreds_requests (proof_record_id TEXT PRIMARY KEY, verification_id TEXT NOT NULL, query_id TEXT NOT NULL)' },
  { id: 'anoncreds-seen-proofs-1', sql: 'CREATE TABLE anoncreds_seen_proofs (digest TEXT PRIMARY KEY, proof_record_id TEXT NOT NULL)' },
]

const FINAL_STATES = ['presentation-received', 'done', 'abandoned', 'declined']
/** What the evaluation's summary lines say for signed formats; AnonCreds gets its own lines per proof. */
const PROVEN_HERE: CheckName[] = ['signature', 'holder-binding', 'nonce', 'expiry', 'status']

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
export async function createAnonCredsVerification(verifier: DidCommVerifier, db: Database, policy: VerificationPolicy): Promise<{ id: string; requestUris: string[] }> {
  const id = randomUUID()
  const requestUris: string[] = []
  for (const wanted of policy.credentials) {
    const { message, proofRecord } = await verifier.didcomm.proofs.createRequest({
      protocolVersion: 'v2',
      proofFormats: { anoncreds: anonCredsProofRequestFor(policy, wanted.id, verifier) },
    })
    const invitation = await verifier.didcomm.oob.createInvitation({ handshake: false, messages: [message], label: policy.name.en })
    await db.run('INSERT INTO anoncreds_requests (proof_record_id, verification_id, query_id) VALUES (?, ?, ?)', [proofRecord.id, id, wanted.id])
    requestUris.push(invitation.outOfBandInvitation.toUrl({ domain: verifier.invitationDomain }))
  }
  return { id, requestUris }
}

/** A fingerprint of the proof itself (not of the values revealed): the same proof sent again has the same one. */
const proofDigest = (proof: AnonCredsProof) => createHash('sha256').update(JSON.stringify(proof.proof)).digest('hex')

/** The checks of one AnonCreds proof: encoding of revealed values, freshness, signature and predicates. */
async function checkProof(db: Database, queryId: string, proofRecordId: string, proof: AnonCredsProof, request: AnonCredsProofRequest, verified: boolean): Promise<TraceStep[]> {
  const subject = queryId
  const misencoded = findMisencodedAttributes(proof)
  const encoding: TraceStep = misencoded.length
    ? {
        check: 'encoding',
        subject,
        passed: false,
        message: `Revealed value(s) do not match what the issuer signed: ${misencoded.map((m) => `${m.referent} is shown as ${JSON.stringify(m.raw)}, which does not encode to the signed value`).join('; ')}`,
        detail: misencoded,
      }
    : { check: 'encoding', subject, passed: true, message: 'Every revealed raw value encodes to the value the issuer signed' }
  const digest = proofDigest(proof)
  await db.run('INSERT INTO anoncreds_seen_proofs (digest, proof_record_id) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING', [digest, proofRecordId])
  const [seen] = await db.query<{ proof_record_id: string }>('SELECT proof_record_id FROM anoncreds_seen_proofs WHERE digest = ?', [digest])
  const replayed = seen && seen.proof_record_id !== proofRecordId
  const nonce: TraceStep = replayed
    ? { check: 'nonce', subject, passed: false, message: `The proof was made for an earlier request (first presented in exchange ${seen.proof_record_id}), not for this request's nonce: a replay` }
    : { check: 'nonce', subject, passed: true, message: "The proof was made for this request's nonce" }
  const predicates = Object.entries(request.requested_predicates ?? {}).map(([referent, p]): TraceStep => {
    const proven = proof.requested_proof.predicates?.[referent] !== undefined
    return { check: 'predicates', subject, passed: proven, message: `${p.name} ${p.p_type} ${p.p_value}: ${proven ? 'proven without revealing the value' : 'not proven'}` }
  })
  if (verified) {
    return [
      encoding,
      nonce,
      { check: 'signature', subject, passed: true, message: "The AnonCreds proof verifies against the issuer's credential definition" },
      { check: 'holder-binding', subject, passed: true, message: 'The proof shows knowledge of the link secret the credential was issued to' },
      ...predicates,
    ]
  }
  // refused: name what explains it (a value shown differently from what was signed, a replay), else the proof itself
  const explained = [encoding, ...(replayed ? [nonce] : [])].filter((step) => !step.passed)
  return explained.length
    ? [encoding, ...(replayed ? [nonce] : [])]
    : [encoding, { check: 'signature', subject, passed: false, message: "The AnonCreds proof does not verify against the issuer's credential definition: a revealed value or the proof was altered" }]
}

/** What the verifier reads from a verified proof: the issuer (the credential definition's DID), the type and the revealed claims. */
function presentedCredential(queryId: string, proof: AnonCredsProof, verifier: DidCommVerifier): PresentedCredential {
  const [identifiers] = proof.identifiers
  const schemaName = parseSchemaId(identifiers.schema_id)?.name
  const type = [...verifier.types.values()].find((t) => t.anoncreds?.schemaName === schemaName)
  const claims: Record<string, unknown> = {}
  for (const [referent, revealed] of Object.entries(proof.requested_proof.revealed_attrs)) {
    if (revealed.raw === '') continue // an absent optional claim
    const claim = type?.claims[referent]
    claims[referent] = claim?.type === 'date' && /^\d{8}$/.test(revealed.raw) ? `${revealed.raw.slice(0, 4)}-${revealed.raw.slice(4, 6)}-${revealed.raw.slice(6)}` : revealed.raw
  }
  return { queryId, format: 'anoncreds', issuer: parseCredentialDefinitionId(identifiers.cred_def_id)?.issuerId ?? identifiers.cred_def_id, credentialType: type?.id, claims }
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
  const trace: TraceStep[] = []
  const presented: PresentedCredential[] = []
  for (const [i, part] of parts.entries()) {
    const record = records[i]!
    const { presentation, request } = await verifier.didcomm.proofs.getFormatData(record.id)
    const proof = presentation?.anoncreds as AnonCredsProof | undefined
    if (!proof || !request?.anoncreds) {
      // Credo's AnonCreds format compares revealed values with their encoding too, and refuses before keeping the proof
      const refusal = record.errorMessage ?? 'the exchange ended without one'
      const misencoded = /encoded value for '([^']+)' is invalid/i.exec(refusal)
      trace.push(
        misencoded
          ? { check: 'encoding', subject: part.query_id, passed: false, message: `The revealed value of ${misencoded[1]} does not encode to the value the issuer signed: it was altered (${refusal})` }
          : { check: 'response', subject: part.query_id, passed: false, message: `No proof was received: ${refusal}` },
      )
      continue
    }
    trace.push(...(await checkProof(db, part.query_id, record.id, proof, request.anoncreds as AnonCredsProofRequest, record.isVerified === true)))
    if (record.isVerified) presented.push(presentedCredential(part.query_id, proof, verifier))
  }
  const state = records.at(-1)!.state
  if (trace.some((step) => !step.passed)) return { state, decision: finish(trace) }
  const evaluation = await evaluatePresentation(policy, verifier.purposes, presented, verifier.trust)
  return { state, decision: finish([...trace, ...evaluation.trace.filter((step) => !PROVEN_HERE.includes(step.check))], evaluation.disclosed) }
}

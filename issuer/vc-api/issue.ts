import { z } from 'zod'
import { claimsSchema, type CredentialType } from '@interop-lab/common/credentialTypes'
import { canonize, CONTEXTS, type DocumentLoader, JsonLdProcessingError } from '@interop-lab/common/jsonld'
import { bitstringStatusEntry } from '@interop-lab/common/status'
import {
  addDataIntegrityProof,
  credentialProblems,
  type Cryptosuite,
  CRYPTOSUITES,
  cryptosuiteNamed,
  dataModelVersion,
  envelope,
  isObject,
  issuerIdOf,
  type JsonObject,
  missingSuiteContext,
  ProblemError,
  signJoseEnvelope,
  typesOf,
  unknownPointers,
  VC_JWT_MEDIA_TYPE,
} from '@interop-lab/common/vc2'
import type { StatusListService } from '../status'
import { didsOf, type IssuerDid, type VcApiIssuer, type VcApiIssuers } from './issuers'
import type { StatusListCredentials } from './statusLists'

export interface IssueContext {
  issuers: VcApiIssuers
  status: StatusListService
  statusLists: StatusListCredentials
  types: ReadonlyMap<string, CredentialType>
  documentLoader: DocumentLoader
}

/**
 * `options` of POST /credentials/issue: VCALM's `credentialId` and `mandatoryPointers` (ecdsa-sd-2023), and the lab's
 * choice of securing mechanism — a Data Integrity `cryptosuite` (one the issuer DID's key makes; by
 * default its first; `Ed25519Signature2020` names that legacy proof type) or an `envelope` media
 * type (application/vc+jwt, VC-JOSE).
 */
const issueOptionsSchema = z.strictObject({
  credentialId: z.string().min(1).optional(),
  mandatoryPointers: z.array(z.string()).optional(),
  cryptosuite: z.string().min(1).optional(),
  envelope: z.string().min(1).optional(),
})
export type IssueOptions = z.infer<typeof issueOptionsSchema>
export const ISSUE_OPTIONS = Object.keys(issueOptionsSchema.shape)

/** The status-list reference the issuer records for a credential it can be asked about later. */
export const credentialRefFor = (credentialId: string) => `vc-api:${credentialId}`

const fail = (detail: string, property?: string) => new ProblemError(400, 'MALFORMED_VALUE_ERROR', detail, property)

export function parseIssueRequest(body: unknown): { credential: JsonObject; options: IssueOptions } {
  if (!isObject(body)) throw new ProblemError(400, 'PARSING_ERROR', 'The request body must be a JSON object {credential, options}')
  if (!isObject(body.credential)) throw fail('credential is required and must be a JSON object', 'credential')
  const rawOptions = body.options ?? {}
  if (!isObject(rawOptions)) throw fail('options must be a JSON object', 'options')
  const unknown = Object.keys(rawOptions).filter((name) => !ISSUE_OPTIONS.includes(name))
  if (unknown.length) throw new ProblemError(400, 'UNKNOWN_OPTION_PROVIDED', `Unknown option(s): ${unknown.join(', ')}; supported: ${ISSUE_OPTIONS.join(', ')}`, 'options')
  const parsed = issueOptionsSchema.safeParse(rawOptions)
  if (!parsed.success) throw fail(`Invalid options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'options')
  const options = parsed.data
  if (options.cryptosuite && options.envelope) throw fail('Choose either a Data Integrity cryptosuite or an envelope, not both', 'options')
  if (options.cryptosuite && !cryptosuiteNamed(options.cryptosuite))
    throw fail(`Cryptosuite '${options.cryptosuite}' is not supported; supported: ${CRYPTOSUITES.map((suite) => suite.name).join(', ')}`, 'options.cryptosuite')
  if (options.envelope && options.envelope !== VC_JWT_MEDIA_TYPE) throw fail(`Envelope '${options.envelope}' is not supported; supported: ${VC_JWT_MEDIA_TYPE}`, 'options.envelope')
  if (options.mandatoryPointers?.length && !(options.cryptosuite && cryptosuiteNamed(options.cryptosuite)?.selectiveDisclosure)) {
    const selective = CRYPTOSUITES.filter((suite) => suite.selectiveDisclosure).map((suite) => suite.name)
    throw fail(`mandatoryPointers apply to a selective-disclosure cryptosuite (options.cryptosuite: ${selective.join(', ')}); the others and VC-JOSE sign every claim`, 'options.mandatoryPointers')
  }
  return { credential: body.credential, options }
}

/** Our credential types in the credential must be ones this issuer issues, with valid claims. */
function credentialTypeProblems(credential: JsonObject, issuer: VcApiIssuer, types: ReadonlyMap<string, CredentialType>): string[] {
  const problems: string[] = []
  for (const typeId of typesOf(credential).filter((t) => types.has(t))) {
    if (!issuer.jurisdiction.credentialTypes.includes(typeId)) {
      problems.push(`${issuer.jurisdiction.key} does not issue ${typeId} (it issues ${issuer.jurisdiction.credentialTypes.join(', ')})`)
      continue
    }
    const schema = claimsSchema(types.get(typeId)!)
    for (const subject of [credential.credentialSubject].flat()) {
      const { id: _id, ...claims } = subject as JsonObject
      const result = schema.safeParse(claims)
      if (!result.success) problems.push(...result.error.issues.map((i) => `credentialSubject.${i.path.join('.') || '(claims)'}: ${i.message}`))
    }
  }
  return problems
}

/**
 * The issuer DID's key decides the cryptosuites it can make (the proof's controller must be
 * `credential.issuer`): a request for another suite names the issuer's DID whose key makes it.
 */
function chooseCryptosuite(issuer: VcApiIssuer, as: IssuerDid, requested: string | undefined): Cryptosuite {
  if (!requested) return as.cryptosuites[0]
  const suite = as.cryptosuites.find((candidate) => candidate.name === requested)
  if (suite) return suite
  const other = didsOf(issuer).find((candidate) => candidate.cryptosuites.some((candidate) => candidate.name === requested))
  const instead = other ? `; for ${requested}, put the same issuer's DID ${other.did} in credential.issuer` : ''
  throw fail(`Issuer ${as.did} signs with ${as.cryptosuites.map((candidate) => candidate.name).join(', ')}${instead}`, 'options.cryptosuite')
}

/**
 * The contexts the issuer adds to a credential for what it adds itself: Bitstring Status List v1
 * for the status entries of a VCDM 1.1 credential (VCDM 2.0's context defines them), and the
 * context of the proof type when the credential's own do not define it.
 */
function withContexts(credential: JsonObject, needed: ReadonlyArray<string | undefined>): JsonObject {
  const contexts = [credential['@context']].flat()
  const added = needed.filter((url): url is string => url !== undefined && !contexts.includes(url))
  return added.length ? { ...credential, '@context': [...contexts, ...added] } : credential
}

/**
 * What the issuer itself makes mandatory in an ecdsa-sd-2023 credential, besides what the request
 * asks: who issued it, its validity period and its status entries, so that no holder can derive a
 * credential that hides its issuer, its expiry or its revocation from a verifier.
 */
const ISSUER_MANDATORY_POINTERS = ['/issuer', '/validFrom', '/validUntil', '/issuanceDate', '/expirationDate', '/credentialStatus']

function mandatoryPointersFor(credential: JsonObject, requested: readonly string[] = []): string[] {
  const unknown = unknownPointers(credential, requested)
  if (unknown.length)
    throw fail(`mandatoryPointers ${unknown.join(', ')} name nothing in the credential (RFC 6901 JSON pointers into it, e.g. '/credentialSubject/legal_name')`, 'options.mandatoryPointers')
  const own = ISSUER_MANDATORY_POINTERS.filter((pointer) => credential[pointer.slice(1)] !== undefined)
  return [...new Set([...own, ...requested])]
}

/** Runs VCALM POST /credentials/issue: checks the credential, gives it status entries, secures it. */
export async function issueCredential(context: IssueContext, credential: JsonObject, options: IssueOptions): Promise<JsonObject> {
  const problems = credentialProblems(credential)
  if (problems.length) throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', problems.map((p) => p.detail).join('; '), problems[0].property)

  const issuerId = issuerIdOf(credential)!
  const found = context.issuers.find(issuerId)
  if (!found)
    throw fail(
      `issuer '${issuerId}' does not match this service's configuration; its issuers are ${context.issuers
        .all()
        .map(
          (i) =>
            `${didsOf(i)
              .map((as) => as.did)
              .join(' or ')} (${i.jurisdiction.key})`,
        )
        .join(', ')} (or the same Ed25519 keys as did:jwk)`,
      'issuer',
    )
  const suite = chooseCryptosuite(found.issuer, found.as, options.cryptosuite)
  const version = dataModelVersion(credential)
  if (options.envelope && version !== '2.0') throw fail(`VC-JOSE (${VC_JWT_MEDIA_TYPE}) secures VCDM 2.0 credentials; this one is VCDM ${version}`, 'options.envelope')
  const typeProblems = credentialTypeProblems(credential, found.issuer, context.types)
  if (typeProblems.length) throw fail(typeProblems.join('; '), 'credentialSubject')

  try {
    await canonize(credential, context.documentLoader)
  } catch (error) {
    if (error instanceof JsonLdProcessingError) throw fail(error.message)
    throw error
  }

  const credentialId = options.credentialId ?? (typeof credential.id === 'string' ? credential.id : undefined)
  const withStatus =
    credential.credentialStatus === undefined
      ? { ...withContexts(credential, [version === '1.1' ? CONTEXTS.bitstringStatusListV1 : undefined]), credentialStatus: await allocateStatus(context, found.issuer, credentialId) }
      : credential

  if (options.envelope) {
    const jwt = await signJoseEnvelope(withStatus, 'credential', found.as.verificationMethod, found.as.signer)
    return envelope(jwt, 'credential')
  }
  try {
    const document = withContexts(withStatus, [missingSuiteContext(withStatus, suite)])
    const proofOptions = {
      verificationMethod: found.as.verificationMethod,
      proofPurpose: 'assertionMethod',
      ...(suite.selectiveDisclosure ? { mandatoryPointers: mandatoryPointersFor(document, options.mandatoryPointers) } : {}),
    } as const
    return await addDataIntegrityProof(document, suite, proofOptions, found.as.signer, context.documentLoader)
  } catch (error) {
    if (error instanceof JsonLdProcessingError) throw new ProblemError(400, 'PROOF_GENERATION_ERROR', error.message)
    throw error
  }
}

/** One index in the issuer's list, published for both purposes (revocation and suspension). */
async function allocateStatus(context: IssueContext, issuer: VcApiIssuer, credentialId: string | undefined) {
  const [list] = await context.status.store.listsOf(issuer.didJwk.did)
  if (!list) throw new Error(`Issuer ${issuer.jurisdiction.key} has no status list`)
  const allocation = await context.status.allocate(list.id, credentialId ? credentialRefFor(credentialId) : undefined)
  return context.statusLists.purposes().map((purpose) => bitstringStatusEntry(allocation.idx, context.statusLists.url(list.id, purpose), purpose))
}

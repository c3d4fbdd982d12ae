import { createHash, createPublicKey, type JsonWebKey, verify as verifySignature } from 'node:crypto'
import { cborEncode, DataItem, DateOnly, DeviceSignedDocument, type IssuerSignedItem, type MdocContext, parseDeviceResponse, Verifier } from '@animo-id/mdoc'
import { X509Certificate } from '@peculiar/x509'
import type { CredentialType } from '@interop-lab/common/credentialTypes'
import { sanUris } from '@interop-lab/common/x509/chain'
import { MDOC_FORMAT } from '@interop-lab/common/protocols'
import { clauseReason, type CredentialResult, type Finding, finding } from '../decision'
import type { AnsweredRequest } from './rules'

const DEVICE_RESPONSE = 'ISO 18013-5 §8.3.2.1.2.2 (DeviceResponse)'
const ISSUER_DATA_AUTH = 'ISO 18013-5 §9.3.1 (issuer data authentication: every IssuerSignedItem digested in the MSO)'
const VALIDITY = 'ISO 18013-5 §9.3.1 (the MSO validityInfo: validFrom ≤ now ≤ validUntil)'
const DEVICE_AUTH = 'ISO 18013-5 §9.1.3 (mdoc authentication: DeviceAuth signed by the MSO device key over the session transcript, OID4VP 1.0 Appendix B.2.6.1)'

type Sign1 = Parameters<MdocContext['cose']['sign1']['verify']>[0]['sign1']

/** COSE ES256 (RFC 9053 §2.1) and its fully specified form ESP256 (RFC 9864): the only signing algorithm the lab's mdocs use. */
const ES256 = new Set(['ES256', 'ESP256'])

/** ES256 over the COSE_Sign1 Sig_structure with a P-256 JWK (RFC 9052 §4.4); false for any other algorithm. */
function coseSign1Verifies(sign1: Sign1, jwk: JsonWebKey): boolean {
  const { alg, data, signature } = sign1.getRawVerificationData()
  if (!ES256.has(alg)) return false
  try {
    return verifySignature('sha256', data, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)
  } catch {
    return false
  }
}

/** What the lab's mdoc checks need of an mdoc library context: SHA-256 and ES256 COSE_Sign1 verification, nothing that signs. */
const checkingContext = {
  crypto: { digest: ({ bytes }: { bytes: Uint8Array }) => new Uint8Array(createHash('sha256').update(bytes).digest()) },
  cose: { sign1: { verify: ({ sign1, jwk }: { sign1: Sign1; jwk: JsonWebKey }) => coseSign1Verifies(sign1, jwk) } },
} as unknown as MdocContext

/**
 * The OID4VP 1.0 session transcript of a response to this request (Appendix B.2.6.1): `[null, null, ["OpenID4VPHandover",
 * SHA-256(CBOR([client_id, nonce, jwkThumbprint, response_uri]))]]`, jwkThumbprint the encryption key's when the response
 * was encrypted (`direct_post.jwt`), null otherwise (`direct_post`).
 */
function oid4vpSessionTranscript(request: AnsweredRequest): Uint8Array {
  const handoverInfo = cborEncode([request.clientId, request.nonce, request.encryptionKeyThumbprint ?? null, request.responseUri ?? null])
  return cborEncode(DataItem.fromData([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update(handoverInfo).digest())]]))
}

/** The issuer a document signer certificate names: its SAN URI (ISO 18013-5 Annex B.1.4; the lab puts the issuer's URL there). */
function documentSignerName(der: Uint8Array): string {
  try {
    return sanUris(new X509Certificate(Buffer.from(der)))[0] ?? ''
  } catch {
    return ''
  }
}

const base64UrlBytes = (value: string) => new Uint8Array(Buffer.from(value, 'base64url'))
const toDate = (value: unknown) => (value instanceof Date ? value : new Date(String(value)))
/** A data element as the policy compares it: a full-date (CBOR tag 1004) as its YYYY-MM-DD text, as the other formats carry dates. */
const claimValue = (value: unknown) => (value instanceof DateOnly ? value.toISOString() : value)
/** CBOR maps (the MSO's `status`) as plain objects. */
const plain = (value: unknown): unknown => (value instanceof Map ? Object.fromEntries([...value].map(([key, entry]) => [String(key), plain(entry)])) : value)

/** Each disclosed data element against its digest in the MSO, by `namespace/element`. */
async function digestFindings(document: DeviceSignedDocument): Promise<{ findings: Finding[]; claims: Record<string, unknown> }> {
  const { issuerAuth, nameSpaces } = document.issuerSigned
  const claims: Record<string, unknown> = {}
  const mismatched: string[] = []
  let count = 0
  for (const [namespace, items] of nameSpaces ?? new Map<string, IssuerSignedItem[]>()) {
    for (const item of items) {
      count++
      if (await item.isValid(namespace, issuerAuth, checkingContext)) claims[item.elementIdentifier] = claimValue(item.elementValue)
      else mismatched.push(`${namespace}/${item.elementIdentifier}`)
    }
  }
  if (issuerAuth.decodedPayload.digestAlgorithm !== 'SHA-256') {
    const algorithm = String(issuerAuth.decodedPayload.digestAlgorithm)
    return { findings: [finding('disclosures', false, clauseReason(ISSUER_DATA_AUTH, `the MSO digests with ${algorithm}, not SHA-256`, `le MSO condense avec ${algorithm}, pas SHA-256`))], claims: {} }
  }
  if (mismatched.length) {
    const listed = mismatched.join(', ')
    return {
      findings: [
        finding(
          'disclosures',
          false,
          clauseReason(
            ISSUER_DATA_AUTH,
            `the digest of ${listed} is not the one the issuer signed in the MSO: the value was changed`,
            `le condensé de ${listed} n’est pas celui que l’émetteur a signé dans le MSO : la valeur a été modifiée`,
          ),
        ),
      ],
      claims: {},
    }
  }
  return {
    findings: [
      finding(
        'disclosures',
        true,
        clauseReason(ISSUER_DATA_AUTH, `each of the ${count} disclosed data elements matches its digest in the MSO`, `chacun des ${count} éléments divulgués correspond à son condensé dans le MSO`),
      ),
    ],
    claims,
  }
}

function validityFinding(document: DeviceSignedDocument, now: Date): Finding {
  const { validFrom, validUntil } = document.issuerSigned.issuerAuth.decodedPayload.validityInfo
  const [from, until] = [toDate(validFrom), toDate(validUntil)]
  const period = `${from.toISOString()} – ${until.toISOString()}`
  if (now < from) return finding('expiry', false, clauseReason(VALIDITY, `the mdoc is not valid yet (${period})`, `le mdoc n’est pas encore valide (${period})`))
  if (now > until) return finding('expiry', false, clauseReason(VALIDITY, `the mdoc expired at ${until.toISOString()}`, `le mdoc a expiré le ${until.toISOString()}`))
  return finding('expiry', true, clauseReason(VALIDITY, `the mdoc is within its validity period (${period})`, `le mdoc est dans sa période de validité (${period})`))
}

/** DeviceAuth: the DeviceSignature over DeviceAuthentication (this request's session transcript), by the MSO's device key. */
async function deviceAuthFinding(document: DeviceSignedDocument, request: AnsweredRequest): Promise<Finding> {
  if (!document.deviceSigned.deviceAuth.deviceSignature) {
    return finding(
      'holder-binding',
      false,
      clauseReason(
        DEVICE_AUTH,
        'the document carries no DeviceSignature (a DeviceMac needs a reader key OID4VP has not)',
        'le document ne porte pas de DeviceSignature (un DeviceMac exige une clé de lecteur qu’OID4VP n’a pas)',
      ),
    )
  }
  const failed: string[] = []
  await new Verifier().verifyDeviceSignature(
    {
      deviceSigned: document,
      sessionTranscriptBytes: oid4vpSessionTranscript(request),
      onCheckG: (check) => {
        if (check.status === 'FAILED') failed.push(check.reason ?? check.check)
      },
    },
    checkingContext,
  )
  return failed.length
    ? finding(
        'holder-binding',
        false,
        clauseReason(
          DEVICE_AUTH,
          `the device signature does not verify with the MSO device key for this request (${failed.join('; ')})`,
          `la signature de l’appareil ne se vérifie pas avec la clé d’appareil du MSO pour cette demande (« ${failed.join('; ')} »)`,
        ),
      )
    : finding(
        'holder-binding',
        true,
        clauseReason(
          DEVICE_AUTH,
          'the device signature verifies with the MSO device key, over this request’s session transcript',
          'la signature de l’appareil se vérifie avec la clé d’appareil du MSO, sur la transcription de session de cette demande',
        ),
      )
}

/**
 * An ISO mdoc DeviceResponse (base64url CBOR) presented over OID4VP, checked by the lab: the response parses and holds
 * one device-signed document of a doctype the lab knows; every disclosed element matches its MSO digest; the MSO is
 * valid now; the device signature covers this request's session transcript. Who signed the MSO (the document signer
 * certificate, chained to an IACA the trust registry lists) is the signer check's (verifier/checks/mdocSignerIsIssuer.ts).
 */
export async function checkMdocPresentation(queryId: string, presentation: string, request: AnsweredRequest, receivedAt: Date, types: Map<string, CredentialType>): Promise<CredentialResult> {
  const refused = (en: string, fr: string): CredentialResult => ({ queryId, findings: [finding('format', false, clauseReason(DEVICE_RESPONSE, en, fr))] })
  let documents: ReturnType<typeof parseDeviceResponse>['documents']
  try {
    documents = parseDeviceResponse(base64UrlBytes(presentation)).documents
  } catch {
    return refused('the presentation is not a CBOR DeviceResponse', 'la présentation n’est pas une DeviceResponse CBOR')
  }
  const [document] = documents
  if (documents.length !== 1 || !(document instanceof DeviceSignedDocument)) {
    return refused(
      `the DeviceResponse holds ${documents.length} document(s), not one device-signed document`,
      `la DeviceResponse contient ${documents.length} document(s), pas un document signé par l’appareil`,
    )
  }
  const type = [...types.values()].find((candidate) => candidate.mdoc?.docType === document.docType)
  if (!type) return refused(`the doctype ${document.docType} is none the lab knows`, `le doctype ${document.docType} n’est pas connu du laboratoire`)

  const { issuerAuth } = document.issuerSigned
  const x5chain: Uint8Array[] = issuerAuth.x5chain ?? []
  const digests = await digestFindings(document)
  const findings = [
    finding('format', true, clauseReason(DEVICE_RESPONSE, `a DeviceResponse with one ${document.docType} document`, `une DeviceResponse avec un document ${document.docType}`)),
    ...digests.findings,
  ]
  findings.push(validityFinding(document, receivedAt), await deviceAuthFinding(document, request))
  const { data, signature, alg } = issuerAuth.getRawVerificationData()
  return {
    queryId,
    findings,
    credential: {
      queryId,
      format: MDOC_FORMAT,
      // the issuer is who the document signer certificate names (its SAN URI): the signer check proves it, the registry is then asked
      issuer: x5chain[0] ? documentSignerName(x5chain[0]) : '',
      credentialType: type.id,
      claims: digests.claims,
      // the MSO's Token Status List reference, read by the status check once the issuer is trusted
      status: plain((issuerAuth.decodedPayload as { status?: unknown }).status),
      proof: {
        kind: 'mdoc',
        x5chain: x5chain.map((der) => Buffer.from(der).toString('base64')),
        signedData: Buffer.from(data).toString('base64'),
        signature: Buffer.from(signature).toString('base64'),
        alg,
      },
    },
  }
}

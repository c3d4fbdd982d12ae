import { base64url, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose'
import { createHash } from 'node:crypto'
import type { TraceStep } from './decision'

/** Finds the public key behind a DID URL (the agent's DID resolver). */
export type KeyResolver = (didUrl: string) => Promise<JWK>

/** Reads a credential's published status: 'valid', 'revoked' or 'suspended'; throws when it cannot. */
export type StatusResolver = (credential: { header: Record<string, unknown>; payload: Record<string, unknown> }) => Promise<string>

export interface DiagnosisTools {
  resolveKey: KeyResolver
  resolveStatus: StatusResolver
}

function expirySteps(queryId: string, exp: number | undefined, now: Date): TraceStep[] {
  if (exp === undefined) return []
  const expired = exp * 1000 <= now.getTime()
  return [{ check: 'expiry', subject: queryId, passed: !expired, message: expired ? `${queryId} expired at ${new Date(exp * 1000).toISOString()}` : `${queryId} has not expired` }]
}

function nonceStep(queryId: string, presented: string | undefined, expected: string): TraceStep {
  const passed = presented === expected
  return {
    check: 'nonce',
    subject: queryId,
    passed,
    message: passed ? `${queryId} answers this request's nonce` : `${queryId} answers another request (nonce ${presented ?? 'missing'}, expected ${expected})`,
  }
}

async function statusStep(queryId: string, jwt: string, payload: Record<string, unknown>, resolveStatus: StatusResolver): Promise<TraceStep[]> {
  if (!payload.status && !(payload.vc as { credentialStatus?: unknown } | undefined)?.credentialStatus) return []
  try {
    const status = await resolveStatus({ header: decodeProtectedHeader(jwt) as Record<string, unknown>, payload })
    return [{ check: 'status', subject: queryId, passed: status === 'valid', message: status === 'valid' ? `${queryId} is not revoked or suspended` : `${queryId} has been ${status} by its issuer` }]
  } catch (error) {
    return [{ check: 'status', subject: queryId, passed: false, message: `The status of ${queryId} could not be established: ${error instanceof Error ? error.message : String(error)}` }]
  }
}

const sha256 = (text: string) => base64url.encode(createHash('sha256').update(text).digest())

async function signatureValid(jwt: string, didUrl: string | undefined, resolveKey: KeyResolver): Promise<boolean> {
  if (!didUrl) return false
  try {
    const jwk = await resolveKey(didUrl)
    await compactVerify(jwt, await importJWK(jwk, decodeProtectedHeader(jwt).alg))
    return true
  } catch {
    return false
  }
}

/** Every `_sd` digest anywhere in an SD-JWT payload. */
function signedDigests(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => signedDigests(item, into))
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '_sd' && Array.isArray(inner)) inner.forEach((d) => into.add(String(d)))
      else signedDigests(inner, into)
    }
  }
  return into
}

const issuerKeyUrl = (jwt: string, payload: { iss?: string }) => {
  const kid = decodeProtectedHeader(jwt).kid
  return kid?.startsWith('did:') ? kid : payload.iss && kid ? `${payload.iss}${kid.startsWith('#') ? '' : '#'}${kid}` : payload.iss ? `${payload.iss}#0` : undefined
}

async function diagnoseSdJwt(queryId: string, presentation: string, nonce: string, { resolveKey, resolveStatus }: DiagnosisTools, now: Date): Promise<TraceStep[]> {
  const parts = presentation.split('~')
  const issuerJwt = parts[0]
  const keyBinding = parts.at(-1) ?? ''
  const disclosures = parts.slice(1, -1).filter(Boolean)
  const payload = decodeJwt(issuerJwt) as { iss?: string; exp?: number; cnf?: { kid?: string; jwk?: JWK } }
  const steps: TraceStep[] = []

  const issuerSigned = await signatureValid(issuerJwt, issuerKeyUrl(issuerJwt, payload), resolveKey)
  const digests = signedDigests(payload)
  const unsigned = disclosures.filter((d) => !digests.has(sha256(d)))
  steps.push({
    check: 'signature',
    subject: queryId,
    passed: issuerSigned && unsigned.length === 0,
    message: !issuerSigned
      ? `The issuer's signature on ${queryId} does not verify against ${payload.iss ?? 'an unnamed issuer'}`
      : unsigned.length
        ? `${unsigned.length} disclosure(s) of ${queryId} were not signed by the issuer`
        : `The issuer's signature on ${queryId} verifies`,
  })
  steps.push(...expirySteps(queryId, payload.exp, now))
  steps.push(...(await statusStep(queryId, issuerJwt, payload, resolveStatus)))
  if (!keyBinding) {
    steps.push({ check: 'holder-binding', subject: queryId, passed: false, message: `${queryId} was presented without a key-binding proof` })
    return steps
  }
  const kb = decodeJwt(keyBinding) as { nonce?: string; sd_hash?: string }
  let holderSigned = false
  if (payload.cnf?.jwk) {
    try {
      await compactVerify(keyBinding, await importJWK(payload.cnf.jwk, decodeProtectedHeader(keyBinding).alg))
      holderSigned = true
    } catch {
      holderSigned = false
    }
  } else holderSigned = await signatureValid(keyBinding, payload.cnf?.kid, resolveKey)
  const coversPresentation = kb.sd_hash === sha256(`${parts.slice(0, -1).join('~')}~`)
  steps.push({
    check: 'holder-binding',
    subject: queryId,
    passed: holderSigned && coversPresentation,
    message: !holderSigned
      ? `The key-binding proof of ${queryId} is not signed by the key the credential is bound to`
      : coversPresentation
        ? `The key-binding proof of ${queryId} is signed by the bound key`
        : `The key-binding proof of ${queryId} does not cover what was presented`,
  })
  steps.push(nonceStep(queryId, kb.nonce, nonce))
  return steps
}

async function diagnoseJwtVp(queryId: string, presentation: string, nonce: string, { resolveKey, resolveStatus }: DiagnosisTools, now: Date): Promise<TraceStep[]> {
  const vp = decodeJwt(presentation) as { iss?: string; nonce?: string; vp?: { verifiableCredential?: string[] } }
  const holderKid = decodeProtectedHeader(presentation).kid
  const steps: TraceStep[] = []
  for (const vc of vp.vp?.verifiableCredential ?? []) {
    const payload = decodeJwt(vc) as { iss?: string; sub?: string; exp?: number; vc?: { credentialStatus?: unknown } }
    const signed = await signatureValid(vc, issuerKeyUrl(vc, payload), resolveKey)
    steps.push({ check: 'signature', subject: queryId, passed: signed, message: signed ? `The issuer's signature on ${queryId} verifies` : `The issuer's signature on ${queryId} does not verify against ${payload.iss ?? 'an unnamed issuer'}` })
    steps.push(...expirySteps(queryId, payload.exp, now))
    steps.push(...(await statusStep(queryId, vc, payload, resolveStatus)))
    const boundToHolder = payload.sub !== undefined && holderKid?.startsWith(payload.sub) === true
    const holderSigned = boundToHolder && (await signatureValid(presentation, holderKid, resolveKey))
    steps.push({
      check: 'holder-binding',
      subject: queryId,
      passed: holderSigned,
      message: holderSigned ? `The presentation of ${queryId} is signed by its subject ${payload.sub}` : `The presentation of ${queryId} is not signed by the credential's subject ${payload.sub ?? '(none)'}`,
    })
  }
  steps.push(nonceStep(queryId, vp.nonce, nonce))
  return steps
}

/**
 * When Credo refuses a response, says which check failed and for which credential: issuer signature,
 * holder binding, nonce, expiry or status, each verified again here from the raw vp_token.
 */
export async function diagnoseResponse(vpToken: unknown, nonce: string, tools: DiagnosisTools, now = new Date()): Promise<TraceStep[]> {
  if (!vpToken || typeof vpToken !== 'object') return []
  const steps: TraceStep[] = []
  for (const [queryId, value] of Object.entries(vpToken as Record<string, unknown>)) {
    for (const presentation of Array.isArray(value) ? value : [value]) {
      if (typeof presentation !== 'string') continue
      try {
        steps.push(...(presentation.includes('~') ? await diagnoseSdJwt(queryId, presentation, nonce, tools, now) : await diagnoseJwtVp(queryId, presentation, nonce, tools, now)))
      } catch (error) {
        steps.push({ check: 'signature', subject: queryId, passed: false, message: `${queryId} is not a well-formed presentation: ${error instanceof Error ? error.message : String(error)}` })
      }
    }
  }
  return steps
}

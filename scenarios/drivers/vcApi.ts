import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { CONTEXTS } from '@interop-lab/common/jsonld'
import { isObject, issuerIdOf, typesOf } from '@interop-lab/common/vc2'
import { VC_API, VC_API_FORMATS } from '@interop-lab/common/protocols'
import type { TrustCheck } from '@interop-lab/verifier/decision'
import { loadPolicies, type VerificationPolicy } from '@interop-lab/verifier/policy'
import type { VerifiablePresentationRequest } from '@interop-lab/wallet-sim/vcApiHolder'
import { exchangeJson, type JsonAnswer } from '../client'
import { PartyError } from '../steps'
import { headerFromEnv, probe, resolveHeaders } from './httpCall'
import { type DriverCapabilities, DriverError, type IssuerDriver, type Verdict, type VerifierDriver } from './types'

/**
 * Any W3C VC API (VCALM) issuer or verifier, driven by the standard endpoints alone: an issuer signs the credential
 * the runner builds for the holder's DID (`POST /credentials/issue`), a verifier verifies the presentation the wallet
 * signed (`POST /presentations/verify`). Without `url`, this lab's own local issuer or verifier, through its VC API.
 */
export const vcApiConfig = z.strictObject({
  role: z.enum(['issuer', 'verifier']),
  driver: z.literal('vc-api'),
  /** Where the VC API endpoints live (`<url>/credentials/issue`, `<url>/presentations/verify`). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** Sent with every call, values from environment variables (`{"Authorization": {"env": "VAR", "prefix": "Bearer "}}`). */
  headers: z.record(z.string(), headerFromEnv).default({}),
  /** Issuer: the DID to put in `credential.issuer` for each issuing organisation of the scenarios (by party key); default: the lab's `GET /vc-api/issuers`. */
  issuers: z.record(z.string(), z.string().regex(/^did:[a-z0-9]+:.+/, 'a DID')).optional(),
  /** Issuer: the `options` of each issue request (e.g. `{"cryptosuite": "eddsa-jcs-2022"}`). */
  options: z.record(z.string(), z.unknown()).default({}),
})
export type VcApiConfig = z.infer<typeof vcApiConfig>

const SPEAKS: DriverCapabilities['protocols'] = { [VC_API]: [...VC_API_FORMATS] }
export const TRUST_NOT_CONSULTED = 'verifier verdict as reported by the target; trust registry not consulted by it'

/** The party's base URL and the headers its calls carry (for the lab's own service: its admin API key). */
export interface VcApiTarget {
  url: string
  headers: Record<string, string>
  /** `vc-api@lab` for the lab's own service, `vc-api@<party name>` for another. */
  implementation: string
}

export function vcApiTarget(name: string, config: VcApiConfig, env: NodeJS.ProcessEnv, where: string, local?: { url: string; adminApiKey: string }): VcApiTarget {
  if (config.url) return { url: config.url.replace(/\/+$/, ''), headers: resolveHeaders(config, env, where), implementation: `vc-api@${name}` }
  if (!local) throw new Error(`${where}: the local lab ${config.role} is not started`)
  return { url: local.url, headers: { authorization: `Bearer ${local.adminApiKey}` }, implementation: 'vc-api@lab' }
}

async function post(target: VcApiTarget, path: string, body: unknown): Promise<JsonAnswer> {
  try {
    return await exchangeJson('POST', `${target.url}${path}`, body, undefined, AbortSignal.timeout(30_000), target.headers)
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message
    throw new DriverError('unreachable', `POST ${target.url}${path} could not be reached: ${cause}`)
  }
}

/** A VC API error answer in words: its RFC 9457 problem (title, detail), or the raw text. */
function problemOf(answer: JsonAnswer): string {
  const body = answer.parsed as { title?: string; detail?: string } | undefined
  return body?.title ? `${body.title}${body.detail ? `: ${body.detail}` : ''}` : answer.text.slice(0, 300)
}

const nowToTheSecond = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

export function vcApiIssuer(target: VcApiTarget, config: VcApiConfig): IssuerDriver {
  const { implementation, url } = target
  let labIssuers: Promise<Map<string, string>> | undefined
  const issuerDid = async (organisation: string): Promise<string> => {
    const configured = config.issuers?.[organisation]
    if (configured) return configured
    if (config.issuers) throw new DriverError('unsupported', `${implementation} has no issuer DID for ${organisation} (add it to the party's "issuers")`)
    // the lab's own list: each jurisdiction's Ed25519 did:key, which its trust registry entry names (as did:jwk)
    labIssuers ??= exchangeJson('GET', `${url}/vc-api/issuers`).then(({ response, parsed }) => {
      if (!response.ok) throw new DriverError('bad-answer', `GET ${url}/vc-api/issuers answered ${response.status}: give the party's "issuers" (organisation → DID)`)
      return new Map((parsed as { issuers: { key: string; did: string }[] }).issuers.map((issuer) => [issuer.key, issuer.did]))
    })
    const did = (await labIssuers).get(organisation)
    if (!did) throw new DriverError('unsupported', `${implementation} lists no issuer ${organisation} at GET ${url}/vc-api/issuers`)
    return did
  }
  return {
    implementation,
    url,
    async describe() {
      await probe(`${url}/credentials/issue`, `VC API issuer ${implementation}`)
      return { protocols: SPEAKS, abilities: ['validity'] }
    },
    async offer({ issuer, credentialType, claims, format, protocol, validUntil }) {
      if (protocol !== VC_API || !VC_API_FORMATS.includes(format))
        throw new DriverError('unsupported', `${implementation} issues ${VC_API_FORMATS.join(', ')} over the VC API only, not ${format} over ${protocol}`)
      const did = await issuerDid(issuer)
      // called by the wallet's driver: a refusal is still the issuer's
      const issueTo = (holderDid: string) => signFor(holderDid).catch((error: unknown) => Promise.reject(new PartyError('issuer', issuer, error)))
      const signFor = async (holderDid: string) => {
        const credential = {
          '@context': [CONTEXTS.credentialsV2, CONTEXTS.interopLabCredentialsV1],
          id: `urn:uuid:${randomUUID()}`,
          type: ['VerifiableCredential', credentialType],
          issuer: did,
          validFrom: nowToTheSecond(),
          ...(validUntil ? { validUntil: validUntil.replace(/\.\d{3}Z$/, 'Z') } : {}),
          credentialSubject: { id: holderDid, ...claims },
        }
        const answer = await post(target, '/credentials/issue', { credential, options: config.options })
        const issued = (answer.parsed as { verifiableCredential?: Record<string, unknown> } | undefined)?.verifiableCredential
        if (!answer.response.ok) throw new DriverError('refused', `POST ${url}/credentials/issue answered ${answer.response.status}: ${problemOf(answer)} (VCALM Issue Credential)`)
        if (!issued) throw new DriverError('bad-answer', `POST ${url}/credentials/issue answered ${answer.response.status} without a verifiableCredential (VCALM Issue Credential)`)
        return issued
      }
      return { offerUri: `${url}/credentials/issue`, issueTo }
    },
  }
}

/** A VC API problem type's check, named as the lab verifier names its own. */
function checkOf(problem: { title?: string; property?: string }): string {
  if (problem.property === 'holder') return 'holder-binding'
  switch (problem.title) {
    case 'INVALID_CHALLENGE_ERROR':
      return 'nonce'
    case 'INVALID_DOMAIN_ERROR':
      return 'audience'
    case 'CREDENTIAL_EXPIRED':
    case 'CREDENTIAL_NOT_YET_VALID':
      return 'expiry'
    case 'CREDENTIAL_REVOKED':
    case 'CREDENTIAL_SUSPENDED':
    case 'STATUS_RETRIEVAL_ERROR':
    case 'STATUS_VERIFICATION_ERROR':
      return 'status'
    case 'PROOF_VERIFICATION_ERROR':
    case 'CRYPTOGRAPHIC_SECURITY_ERROR':
      return 'signature'
    default:
      return String(problem.title ?? 'response')
  }
}

interface VerificationResult {
  verified?: unknown
  errors?: { title?: string; detail?: string; property?: string }[]
}

/**
 * The lab's own trust check of each credential's issuer, run by the runner after the target's verdict (a VC API
 * verifier asks no trust registry): the policy's authority must recognise the issuer for the type in its jurisdiction.
 */
async function labTrustCheck(trust: TrustCheck, policy: VerificationPolicy, credentials: Record<string, unknown>[]): Promise<{ authorized: boolean; message: string }> {
  const messages: string[] = []
  for (const wanted of policy.credentials) {
    const credential = credentials.find((c) => typesOf(c).includes(wanted.credentialType))
    if (!credential) return { authorized: false, message: `no ${wanted.credentialType} was presented` }
    const jurisdiction = isObject(credential.credentialSubject) ? String(credential.credentialSubject.jurisdiction ?? '') : ''
    const answer = await trust({
      issuer: String(issuerIdOf(credential)),
      credentialType: wanted.credentialType,
      jurisdiction,
      authority: policy.trustAuthority,
      minimumAssurance: wanted.minimumAssurance,
      maxAnswerAgeSeconds: policy.trustAnswerMaxAgeSeconds,
    })
    if (!answer.authorized) return { authorized: false, message: answer.message }
    messages.push(answer.message)
  }
  return { authorized: true, message: messages.join('; ') }
}

/**
 * `trust`: the lab trust registry's check, which the runner runs itself after the target's verdict; without one
 * (a run with no trust registry), the verdict is the target's alone and says so.
 */
export function vcApiVerifier(target: VcApiTarget, trust: TrustCheck | undefined, policies: Map<string, VerificationPolicy> = loadPolicies()): VerifierDriver {
  const { implementation, url } = target
  const asked = new Map<string, { policy: VerificationPolicy; query: VerifiablePresentationRequest }>()
  return {
    implementation,
    url,
    async describe() {
      await probe(`${url}/presentations/verify`, `VC API verifier ${implementation}`)
      return { protocols: SPEAKS, abilities: [] }
    },
    async request(policyId, format, protocol) {
      if (protocol !== VC_API || !VC_API_FORMATS.includes(format))
        throw new DriverError('unsupported', `${implementation} verifies ${VC_API_FORMATS.join(', ')} over the VC API only, not ${format} over ${protocol}`)
      const policy = policies.get(policyId)
      if (!policy) throw new DriverError('unsupported', `${implementation} has no policy ${policyId} (the lab's policies: ${[...policies.keys()].join(', ')})`)
      const query: VerifiablePresentationRequest = {
        query: [{ type: 'QueryByExample', credentialQuery: policy.credentials.map((wanted) => ({ reason: policy.purpose.en, example: { type: wanted.credentialType } })) }],
        challenge: randomUUID(),
        domain: new URL(url).host,
      }
      asked.set(query.challenge, { policy, query })
      return { id: query.challenge, requestUri: `${url}/presentations/verify`, query }
    },
    async verdict(request, walletOutcome): Promise<Verdict | undefined> {
      const pending = asked.get(request.id)
      asked.delete(request.id)
      const presentation = walletOutcome.verifiablePresentation
      if (!pending || !presentation) return undefined
      const { challenge, domain } = pending.query
      const answer = await post(target, '/presentations/verify', { verifiablePresentation: presentation, options: { challenge, domain } })
      const result = answer.parsed as VerificationResult | undefined
      // VCALM: 200 verified, 400 not verified (a problem carrying the verification result)
      if (typeof result?.verified !== 'boolean' || ![200, 400].includes(answer.response.status)) {
        throw new DriverError('bad-answer', `POST ${url}/presentations/verify answered ${answer.response.status} without a verification result (VCALM Verify Presentation): ${problemOf(answer)}`)
      }
      if (!result.verified) {
        const errors = result.errors ?? []
        const [first] = errors
        return {
          outcome: 'rejected',
          failedChecks: [...new Set(errors.map(checkOf))],
          reason: `${implementation}: ${first ? `${first.title}: ${first.detail}` : 'not verified, no error named'} (${TRUST_NOT_CONSULTED})`,
          source: 'result',
        }
      }
      if (!trust)
        return {
          outcome: 'accepted',
          failedChecks: [],
          reason: `${implementation} verified the presentation (${TRUST_NOT_CONSULTED}; this run has no trust registry to check the issuers)`,
          source: 'result',
        }
      const credentials = [presentation.verifiableCredential].flat().filter(isObject)
      const trusted = await labTrustCheck(trust, pending.policy, credentials)
      return {
        outcome: trusted.authorized ? 'accepted' : 'rejected',
        failedChecks: trusted.authorized ? [] : ['trust-registry'],
        reason: `${implementation} verified the presentation (${TRUST_NOT_CONSULTED}); the lab's own trust check: ${trusted.message}`,
        source: 'result',
      }
    },
  }
}

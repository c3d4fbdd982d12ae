import { compactVerify } from 'jose'
import { X509Certificate } from 'node:crypto'
import { HAIP_REQUIREMENTS, type HaipRequirement } from '@interop-lab/contracts'
import { anchorsFor, validateToListedAnchor } from '@interop-lab/common/x509/anchoredChain'
import { ChainRefused, clientIdMismatch } from '@interop-lab/common/x509/chain'
import type { X509AnchorSource } from '../checks/x5cSignerIsIssuer'
import { clauseReason, type CredentialResult, type Finding } from '../decision'
import { decodeCompactJws } from '../decodeCompactJws'
import { chainAkis } from './trustedAuthorities'

/** HAIP 1.0's response mode: the response is a JWE to the key of the request's client_metadata (OID4VP 1.0 §8.3). */
export const HAIP_RESPONSE_MODE = 'direct_post.jwt'
/** The custom URL scheme HAIP 1.0 names to invoke a wallet with a presentation request (§5, via redirects; `openid4vp://` stays for the others). */
export const HAIP_REQUEST_SCHEME = 'haip-vp://'
/** The one signature algorithm of HAIP 1.0's presentations: issuers' signatures, holders' key binding, the request object. */
export const HAIP_ALGORITHM = 'ES256'
/** The content encryptions a HAIP verifier accepts for its ECDH-ES (P-256) response key. */
export const HAIP_RESPONSE_ENCRYPTIONS = ['A128GCM', 'A256GCM']

export type ClientIdPrefix = 'x509_hash' | 'x509_san_dns'

/** A HAIP request URL: Credo's `openid4vp://` link with the scheme HAIP names. */
export const haipRequestUrl = (openid4vpUrl: string) => openid4vpUrl.replace(/^openid4vp:\/\//, HAIP_REQUEST_SCHEME)

/** What the verifier knows of one HAIP exchange when it decides: its own request, and the response as it arrived. */
export interface HaipExchange {
  /** The signed request object the wallet fetched from request_uri. */
  requestJwt?: string
  clientId: string
  responseUri?: string
  /** Whether the response arrived as a JWE; undefined when none was kept. */
  encrypted?: boolean
  dcqlQuery?: unknown
  /** The raw vp_token (its key-binding JWTs' algorithms are read from it). */
  rawVpToken?: string
  /** The presentations as the OID4VP adapter read them. */
  credentials: CredentialResult[]
  /** A same-device verification: whether the wallet followed the redirect back, with its response code; undefined cross-device. */
  redirectFollowed?: boolean
}

const meets = (requirement: HaipRequirement, passed: boolean, en: string, fr: string): Finding => ({
  check: 'profile',
  subject: requirement,
  passed,
  reason: clauseReason(HAIP_REQUIREMENTS[requirement].clause, en, fr),
})

/** The request object: ES256, with x5c, its signature verifying with the leaf's key (RFC 9101 by reference). */
async function signedRequest(requestJwt: string | undefined): Promise<Finding> {
  const decoded = requestJwt ? decodeCompactJws(requestJwt) : undefined
  const x5c = decoded?.header.x5c
  if (!requestJwt || !decoded || !Array.isArray(x5c) || !x5c.length) {
    return meets('signed-request', false, 'the request was not a signed request object with x5c', 'la demande n’était pas un objet de demande signé avec x5c')
  }
  try {
    await compactVerify(requestJwt, new X509Certificate(Buffer.from(String(x5c[0]), 'base64')).publicKey, { algorithms: [HAIP_ALGORITHM] })
  } catch {
    return meets('signed-request', false, 'the request object does not verify (ES256) with the key of its x5c leaf', 'l’objet de demande ne se vérifie pas (ES256) avec la clé de sa feuille x5c')
  }
  return meets(
    'signed-request',
    true,
    'the request was a request object by reference, signed ES256 by its x5c leaf',
    'la demande était un objet de demande par référence, signé ES256 par sa feuille x5c',
  )
}

/** The client id names the x5c leaf: its hash (x509_hash), or a DNS SAN that is the response_uri's host (x509_san_dns). */
function clientId(exchange: HaipExchange): Finding {
  const x5c = exchange.requestJwt ? decodeCompactJws(exchange.requestJwt)?.header.x5c : undefined
  const leaf = Array.isArray(x5c) && typeof x5c[0] === 'string' ? x5c[0] : undefined
  const named = leaf !== undefined && clientIdMismatch(exchange.clientId, leaf, exchange.responseUri) === undefined
  return named
    ? meets('client-id', true, `the client id ${exchange.clientId} names the request's x5c leaf`, `l’identifiant client ${exchange.clientId} désigne la feuille x5c de la demande`)
    : meets('client-id', false, `the client id ${exchange.clientId} does not name the request's x5c leaf`, `l’identifiant client ${exchange.clientId} ne désigne pas la feuille x5c de la demande`)
}

function encryptedResponse(encrypted: boolean | undefined): Finding {
  if (encrypted === undefined) return meets('encrypted-response', false, 'no response is kept to tell how it arrived', 'aucune réponse n’est conservée pour dire comment elle est arrivée')
  return encrypted
    ? meets('encrypted-response', true, 'the response arrived as a JWE to this request’s key (direct_post.jwt)', 'la réponse est arrivée chiffrée (JWE) pour la clé de cette demande (direct_post.jwt)')
    : meets(
        'encrypted-response',
        false,
        'the response arrived in the clear (direct_post), not as a JWE (direct_post.jwt): refused',
        'la réponse est arrivée en clair (direct_post), pas chiffrée (direct_post.jwt) : refusée',
      )
}

function dcql(exchange: HaipExchange): Finding {
  const queryIds = ((exchange.dcqlQuery as { credentials?: { id?: unknown }[] } | undefined)?.credentials ?? []).map((query) => query.id)
  const token = parseObject(exchange.rawVpToken)
  const answered = token !== undefined && Object.keys(token).every((id) => queryIds.includes(id))
  return queryIds.length && answered
    ? meets(
        'dcql',
        true,
        `the request was a DCQL query; the vp_token answers its credential query ids (${queryIds.join(', ')})`,
        `la demande était une requête DCQL ; le vp_token répond à ses identifiants (${queryIds.join(', ')})`,
      )
    : meets(
        'dcql',
        false,
        'the request was no DCQL query, or the vp_token is not keyed by its credential query ids',
        'la demande n’était pas une requête DCQL, ou le vp_token n’est pas indexé par ses identifiants',
      )
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed = text === undefined ? undefined : (JSON.parse(text) as unknown)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The key-binding JWT of each SD-JWT presentation in the raw vp_token (an mdoc's DeviceAuth is checked ES256 by its holder-binding check). */
function keyBindingJwts(rawVpToken: string | undefined): string[] {
  const presentations = Object.values(parseObject(rawVpToken) ?? {}).flatMap((value) => (Array.isArray(value) ? value : [value]))
  return presentations.filter((p): p is string => typeof p === 'string' && p.includes('~')).map((p) => p.split('~').at(-1) ?? '')
}

function es256(exchange: HaipExchange): Finding {
  const presented = exchange.credentials.flatMap((result) => (result.credential ? [result.credential] : []))
  const other: string[] = []
  for (const credential of presented) {
    const alg = credential.proof.kind === 'jws' ? decodeCompactJws(credential.proof.jws)?.header.alg : credential.proof.kind === 'mdoc' ? credential.proof.alg : credential.proof.kind
    if (alg !== HAIP_ALGORITHM) other.push(`${credential.queryId}: issuer ${String(alg)}`)
  }
  for (const kbJwt of keyBindingJwts(exchange.rawVpToken)) {
    const alg = decodeCompactJws(kbJwt)?.header.alg
    if (alg !== HAIP_ALGORITHM) other.push(`key binding ${String(alg)}`)
  }
  if (!presented.length) return meets('es256', false, 'no credential was presented to check its algorithms', 'aucun titre n’a été présenté dont vérifier les algorithmes')
  return other.length
    ? meets('es256', false, `signed with another algorithm than ES256 (${other.join('; ')})`, `signé avec un autre algorithme qu’ES256 (${other.join('; ')})`)
    : meets('es256', true, 'every issuer signature and key binding is ES256', 'chaque signature d’émetteur et chaque liaison de clé est ES256')
}

function keyBinding(credentials: CredentialResult[]): Finding {
  const unbound = credentials.filter((result) => !result.findings.some((f) => f.check === 'holder-binding') || result.findings.some((f) => f.check === 'holder-binding' && !f.passed))
  if (!credentials.length) return meets('key-binding', false, 'no credential was presented', 'aucun titre n’a été présenté')
  return unbound.length
    ? meets(
        'key-binding',
        false,
        `${unbound.map((r) => r.queryId).join(', ')} carries no valid holder binding (KB-JWT, DeviceAuth)`,
        `${unbound.map((r) => r.queryId).join(', ')} ne porte pas de liaison valide au détenteur (KB-JWT, DeviceAuth)`,
      )
    : meets('key-binding', true, 'every presentation is bound to its holder’s key (KB-JWT, DeviceAuth)', 'chaque présentation est liée à la clé de son détenteur (KB-JWT, DeviceAuth)')
}

/** The X.509 chain a presented credential is signed under: an SD-JWT VC's x5c, an mdoc's x5chain; none for a DID-signed one. */
function signingChain(credential: NonNullable<CredentialResult['credential']>): string[] | undefined {
  const { proof } = credential
  const chain = proof.kind === 'jws' ? decodeCompactJws(proof.jws)?.header.x5c : proof.kind === 'mdoc' ? proof.x5chain : undefined
  return Array.isArray(chain) && chain.length ? (chain as string[]) : undefined
}

/** Each credential is certified by an authority its credential query named (trusted_authorities of type aki): one of its chain's AKIs is among them. */
function trustedAuthorities(exchange: HaipExchange): Finding {
  const queries = (exchange.dcqlQuery as { credentials?: { id?: unknown; trusted_authorities?: { type?: unknown; values?: unknown }[] }[] } | undefined)?.credentials ?? []
  const presented = exchange.credentials.flatMap((result) => (result.credential ? [result.credential] : []))
  if (!presented.length) return meets('trusted-authorities', false, 'no credential was presented', 'aucun titre n’a été présenté')
  const refused: string[] = []
  for (const credential of presented) {
    const named = queries.find((query) => query.id === credential.queryId)?.trusted_authorities?.find((authority) => authority.type === 'aki')?.values
    const akis = Array.isArray(named) ? named.map(String) : []
    const chain = signingChain(credential)
    if (!akis.length) refused.push(`the request named no trusted authority for ${credential.queryId} (the trust registry lists no anchor for its type)`)
    else if (!chain) refused.push(`${credential.queryId} is signed by a DID key, with no certificate to name its authority`)
    else if (!chainAkis(chain).some((aki) => akis.includes(aki)))
      refused.push(`${credential.queryId} is certified by ${chainAkis(chain).join(', ') || 'no named key'}, none of the ${akis.length} the request named`)
  }
  return refused.length
    ? meets(
        'trusted-authorities',
        false,
        `not every credential is certified by an authority the request named: ${refused.join('; ')}`,
        `un titre n’est pas certifié par une autorité nommée dans la demande : ${refused.join('; ')}`,
      )
    : meets(
        'trusted-authorities',
        true,
        'every credential is certified by an authority its query named (trusted_authorities, aki)',
        'chaque titre est certifié par une autorité nommée dans sa requête (trusted_authorities, aki)',
      )
}

/** Each credential's x5c (SD-JWT VC: a root) or x5chain (mdoc: an IACA) chains to an anchor the trust registry lists for its type and jurisdiction. */
async function credentialChain(credentials: CredentialResult[], anchors: X509AnchorSource): Promise<Finding> {
  const presented = credentials.flatMap((result) => (result.credential ? [result.credential] : []))
  if (!presented.length) return meets('credential-chain', false, 'no credential was presented', 'aucun titre n’a été présenté')
  const refused: string[] = []
  for (const credential of presented) {
    const { proof, credentialType, queryId } = credential
    const chain = signingChain(credential)
    if (!chain) {
      refused.push(`${queryId} is signed by a DID key, with no X.509 chain`)
      continue
    }
    const jurisdiction = String(credential.claims.jurisdiction ?? '')
    const kind = proof.kind === 'mdoc' ? 'iaca' : 'root'
    const listed = credentialType && jurisdiction ? await anchors(jurisdiction, credentialType).catch(() => []) : []
    const roots = anchorsFor(listed, kind, jurisdiction, credentialType ?? '')
    try {
      await validateToListedAnchor(chain, roots)
    } catch (error) {
      if (!(error instanceof ChainRefused)) throw error
      refused.push(`${queryId}: ${error.message} (the trust registry lists ${roots.length} ${kind} for ${credentialType ?? 'its type'} under ${jurisdiction || 'no jurisdiction'})`)
    }
  }
  return refused.length
    ? meets('credential-chain', false, `not every credential chains to a listed root: ${refused.join('; ')}`, `un titre ne remonte pas à une racine inscrite : ${refused.join('; ')}`)
    : meets('credential-chain', true, 'every credential chains to a root the trust registry lists for its type', 'chaque titre remonte à une racine que le registre de confiance inscrit pour son type')
}

/** HAIP 1.0 §5: on the same device, the redirect back arrived with the verification's response code; cross-device, no finding. */
function sameDevice(redirectFollowed: boolean | undefined): Finding[] {
  if (redirectFollowed === undefined) return []
  return [
    redirectFollowed
      ? meets(
          'same-device',
          true,
          'the wallet followed the redirect back, with this verification’s response code',
          'le portefeuille a suivi la redirection, avec le code de réponse de cette vérification',
        )
      : meets(
          'same-device',
          false,
          'the redirect back did not arrive with this verification’s response code: a same-device presentation is accepted only then',
          'la redirection n’est pas arrivée avec le code de réponse de cette vérification : une présentation sur le même appareil n’est acceptée qu’alors',
        ),
  ]
}

/** One `profile` finding per HAIP 1.0 presentation requirement, from the verifier's own request and the response as it arrived. */
export async function haipFindings(exchange: HaipExchange, anchors: X509AnchorSource): Promise<Finding[]> {
  return [
    await signedRequest(exchange.requestJwt),
    clientId(exchange),
    encryptedResponse(exchange.encrypted),
    dcql(exchange),
    trustedAuthorities(exchange),
    es256(exchange),
    keyBinding(exchange.credentials),
    await credentialChain(exchange.credentials, anchors),
    ...sameDevice(exchange.redirectFollowed),
  ]
}

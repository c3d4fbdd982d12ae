import { compactVerify } from 'jose'
import { decodeCompactJws } from '../decodeCompactJws'
import { createPublicKey } from 'node:crypto'
import { isLoopbackHost } from '@interop-lab/common/net/outboundPolicy'
import { ChainRefused, sanUris, validateChain } from '@interop-lab/common/x509/chain'
import { anchorsFor, validateToListedAnchor } from '@interop-lab/common/x509/anchoredChain'
import type { X509Anchor } from '@interop-lab/trust-registry/client'
import { ISSUER_ALGORITHMS } from './jwsSignerIsIssuer'
import type { CheckResult } from './result'

export const X5C_CLAUSE = 'SD-JWT VC §3.5 / RFC 5280 §6 (x5c: a chain to a root the trust registry lists for the type, iss a SAN URI of its leaf)'

/** The X.509 trust anchors the trust registry lists for a jurisdiction's issuers of a type (every one it reaches, with the jurisdiction and types of each). */
export type X509AnchorSource = (jurisdiction: string, credentialType: string) => Promise<X509Anchor[]>

/** Header parameters that bring or point to another key than the x5c leaf's. */
const OTHER_KEY_HEADERS = ['jwk', 'jku', 'x5u']

const failed = (message: string): CheckResult => ({ check: 'signature', passed: false, clause: X5C_CLAUSE, message: `${X5C_CLAUSE}: ${message}` })

/** An issuer named by certificate is named by an https URL (http only on loopback, the lab's own services). */
function isIssuerUrl(iss: unknown): iss is string {
  if (typeof iss !== 'string') return false
  try {
    const url = new URL(iss)
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  } catch {
    return false
  }
}

const describe = (anchor: X509Anchor) => `${anchor.jurisdiction}'s ${anchor.kind} (${anchor.thumbprint.slice(0, 16)}…)`

/**
 * Proves that a compact JWS whose header carries `x5c` is signed by `issuer`, the https URL the trust registry is asked
 * about: the chain validates (RFC 5280 §6: validity, signatures, CA flags, path length) to a root the registry lists for
 * `credentialType` under the credential's `jurisdiction`, `iss` is a SAN URI of the leaf, the signature verifies with the leaf's key, and no other key (a DID
 * `kid`, a `jwk`) is named beside it: one signer, never a choice of the weaker path. `anchorKind`: the registry's roots
 * (credentials), or its IACAs (a Status List Token signed by an mdoc's document signer).
 */
export async function x5cSignerIsIssuer(
  jws: string,
  issuer: string,
  credentialType: string | undefined,
  jurisdiction: unknown,
  anchors: X509AnchorSource,
  anchorKind: X509Anchor['kind'] = 'root',
): Promise<CheckResult> {
  const decoded = decodeCompactJws(jws)
  if (!decoded) return failed('the credential is not a compact JWS with a JSON header and payload')
  const { header, payload } = decoded
  const { alg, kid } = header
  const x5c = Array.isArray(header.x5c) ? header.x5c : []
  if (!alg || !ISSUER_ALGORITHMS.has(alg))
    return failed(`the credential is signed with alg '${String(alg)}'; an x5c leaf signs with an asymmetric algorithm (ES256…), never 'none' or an HMAC (RFC 8725 §3.1)`)
  const other = OTHER_KEY_HEADERS.find((name) => name in header)
  if (other) return failed(`the credential names another key in its '${other}' header beside its x5c chain: one signer, the x5c leaf, is accepted`)
  if (typeof kid === 'string' && kid.startsWith('did:'))
    return failed(`the credential names two signers, its x5c chain and the DID key ${kid}: neither is accepted, so that no verifier takes the weaker one`)
  if (payload.iss !== issuer || !isIssuerUrl(issuer))
    return failed(`the credential's iss ${String(payload.iss ?? '(none)')} is not an https URL: an x5c-signed credential names its issuer by the URL its certificate certifies`)
  if (!credentialType) return failed('the credential is of no type the lab knows (vct): no root can be authorised for it')
  if (typeof jurisdiction !== 'string' || !jurisdiction) return failed('the credential discloses no jurisdiction: no jurisdiction root can be looked up for it')
  let listed: X509Anchor[]
  try {
    listed = await anchors(jurisdiction, credentialType)
  } catch (error) {
    return failed(`the trust registry's X.509 anchors could not be read (${error instanceof Error ? error.message : String(error)})`)
  }
  const forType = anchorsFor(listed, anchorKind, jurisdiction, credentialType)
  let chain: Awaited<ReturnType<typeof validateToListedAnchor<X509Anchor>>>
  try {
    chain = await validateToListedAnchor(x5c, forType)
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error
    if (error.fault !== 'not-anchored') return failed(`the x5c chain is refused: ${error.message}`)
    const elsewhere = await validateChain(
      x5c,
      listed.map((anchor) => anchor.certificate),
    ).then(
      ({ anchor }) => listed.find((a) => a.certificate === Buffer.from(anchor.rawData).toString('base64')),
      () => undefined,
    )
    const wanted = `${credentialType} under ${jurisdiction}`
    if (elsewhere)
      return failed(`x5c chain anchored in ${describe(elsewhere)}, which the trust registry lists for ${elsewhere.credentialTypes.join(', ')} under ${elsewhere.jurisdiction}, not for ${wanted}`)
    return failed(`x5c chain not anchored in a trusted root: ${error.message}; the trust registry lists ${forType.length ? forType.map(describe).join(', ') : 'no root'} for ${wanted}`)
  }
  const sans = sanUris(chain.leaf)
  if (!sans.includes(issuer)) return failed(`the credential's iss ${issuer} is not a SAN URI of its certificate ${chain.leaf.subject} (${sans.join(', ') || 'none'})`)
  try {
    const key = createPublicKey({ key: Buffer.from(chain.leaf.publicKey.rawData), format: 'der', type: 'spki' })
    await compactVerify(jws, key, { algorithms: [alg] })
  } catch {
    return failed(`the signature does not verify with the key of its x5c certificate ${chain.leaf.subject}`)
  }
  return {
    check: 'signature',
    passed: true,
    clause: X5C_CLAUSE,
    message: `${X5C_CLAUSE}: signed by ${chain.leaf.subject}, certified for ${issuer} under ${describe(chain.listed)}, listed for ${credentialType}`,
  }
}

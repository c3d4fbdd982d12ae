import * as x509 from '@peculiar/x509'
import { createHash, webcrypto } from 'node:crypto'

const crypto = webcrypto as Crypto

/** Why a certificate chain is refused, each with the RFC 5280 §6 step it fails. */
export type ChainFault = 'malformed' | 'not-anchored' | 'expired' | 'not-yet-valid' | 'bad-signature' | 'not-a-ca' | 'path-length' | 'leaf-is-ca' | 'leaf-key-usage'

export class ChainRefused extends Error {
  public constructor(
    public readonly fault: ChainFault,
    message: string,
  ) {
    super(message)
    this.name = 'ChainRefused'
  }
}

/** A chain that validated: the signing certificate, the trust anchor it leads to, and the path between (leaf first, anchor last). */
export interface ValidatedChain {
  leaf: x509.X509Certificate
  anchor: x509.X509Certificate
  path: x509.X509Certificate[]
}

/** SHA-256 of a certificate's DER, lower-case hex: how the lab names a certificate (a trust registry anchor's id). */
export const certificateThumbprint = (der: string | Uint8Array) =>
  createHash('sha256')
    .update(typeof der === 'string' ? Buffer.from(der, 'base64') : der)
    .digest('hex')

/** The URIs a certificate's subjectAlternativeName lists. */
export function sanUris(certificate: x509.X509Certificate): string[] {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)
  return san?.names.items.filter((name) => name.type === 'url').map((name) => name.value) ?? []
}

const parse = (der: string, what: string) => {
  try {
    return new x509.X509Certificate(der)
  } catch {
    throw new ChainRefused('malformed', `${what} is not a base64 DER X.509 certificate (RFC 7515 §4.1.6)`)
  }
}

const signedBy = (certificate: x509.X509Certificate, issuer: x509.X509Certificate) =>
  certificate.issuer === issuer.subject && certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true }, crypto)

/**
 * RFC 5280 §6.1 path validation of an `x5c` chain (leaf first) to one of `anchors` (base64 DER): the chain ends in an
 * anchor or in a certificate an anchor signed; every certificate is within its validity period at `at`; each is signed by
 * the next; every certificate above the leaf is a CA allowed to sign certificates, within its path length; the leaf is
 * not a CA and may sign (digitalSignature). Throws ChainRefused naming the step that fails.
 */
export async function validateChain(x5c: readonly string[], anchors: readonly string[], at = new Date()): Promise<ValidatedChain> {
  if (!x5c.length || x5c.some((entry) => typeof entry !== 'string')) throw new ChainRefused('malformed', 'x5c is not a non-empty array of base64 DER certificates (RFC 7515 §4.1.6)')
  const path = x5c.map((der, i) => parse(der, `x5c[${i}]`))
  const trusted = anchors.map((der, i) => parse(der, `trust anchor ${i}`))
  const top = path[path.length - 1]
  const anchorInChain = trusted.find((anchor) => anchor.equal(top))
  let anchor = anchorInChain
  if (!anchor) {
    for (const candidate of trusted) {
      if (await signedBy(top, candidate)) {
        anchor = candidate
        break
      }
    }
    if (!anchor) throw new ChainRefused('not-anchored', `the chain (top: ${top.subject}, issued by ${top.issuer}) does not lead to a trusted root`)
    path.push(anchor)
  }
  path.forEach((certificate, i) => {
    const role = i === 0 ? 'the signing certificate' : certificate === anchor ? 'the root' : `intermediate ${i}`
    if (at < certificate.notBefore) throw new ChainRefused('not-yet-valid', `${role} (${certificate.subject}) is not valid before ${certificate.notBefore.toISOString()} (RFC 5280 §6.1.3 (a)(2))`)
    if (at > certificate.notAfter) throw new ChainRefused('expired', `${role} (${certificate.subject}) expired at ${certificate.notAfter.toISOString()} (RFC 5280 §6.1.3 (a)(2))`)
  })
  for (let i = 0; i < path.length - 1; i++) {
    if (!(await signedBy(path[i], path[i + 1]))) {
      throw new ChainRefused('bad-signature', `${path[i].subject} is not signed by ${path[i + 1].subject} (RFC 5280 §6.1.3 (a)(1), (a)(4))`)
    }
  }
  for (let i = 1; i < path.length; i++) {
    const constraints = path[i].getExtension(x509.BasicConstraintsExtension)
    const usage = path[i].getExtension(x509.KeyUsagesExtension)
    if (!constraints?.ca) throw new ChainRefused('not-a-ca', `${path[i].subject} signs a certificate but is not a CA (basicConstraints cA, RFC 5280 §6.1.4 (k))`)
    if (usage && !(usage.usages & x509.KeyUsageFlags.keyCertSign)) throw new ChainRefused('not-a-ca', `${path[i].subject} signs a certificate but its keyUsage lacks keyCertSign (RFC 5280 §6.1.4 (n))`)
    const below = i - 1 // CA certificates between it and the leaf
    if (constraints.pathLength !== undefined && below > constraints.pathLength) {
      throw new ChainRefused('path-length', `${path[i].subject} allows ${constraints.pathLength} CA(s) below it, the chain has ${below} (RFC 5280 §6.1.4 (l), (m))`)
    }
  }
  const leaf = path[0]
  if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca) throw new ChainRefused('leaf-is-ca', `the signing certificate ${leaf.subject} is a CA certificate, not an end entity (RFC 5280 §4.2.1.9)`)
  const leafUsage = leaf.getExtension(x509.KeyUsagesExtension)
  if (leafUsage && !(leafUsage.usages & x509.KeyUsageFlags.digitalSignature)) {
    throw new ChainRefused('leaf-key-usage', `the signing certificate ${leaf.subject} may not sign data: its keyUsage lacks digitalSignature (RFC 5280 §4.2.1.3)`)
  }
  return { leaf, anchor: anchor!, path }
}

/** An `x509_hash` client id's value: the base64url SHA-256 of the leaf certificate's DER (OID4VP 1.0 §5.9.3). */
export const x509Hash = (der: string | Uint8Array) =>
  createHash('sha256')
    .update(typeof der === 'string' ? Buffer.from(der, 'base64') : der)
    .digest('base64url')

/** The DNS names a certificate's subjectAlternativeName lists. */
export function sanDnsNames(certificate: x509.X509Certificate): string[] {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)
  return san?.names.items.filter((name) => name.type === 'dns').map((name) => name.value) ?? []
}

/**
 * Why a client id does not name the request's x5c leaf (OID4VP 1.0 §5.9.3), or undefined when it does: `x509_hash`,
 * the leaf's hash; `x509_san_dns`, a DNS SAN of the leaf that is also the response_uri's host.
 */
export function clientIdMismatch(clientId: string, leafDer: string, responseUri: string | undefined): string | undefined {
  const [prefix, ...rest] = clientId.split(':')
  const value = rest.join(':')
  if (prefix === 'x509_hash') return value === x509Hash(leafDer) ? undefined : `the client id ${clientId} is not the SHA-256 of the x5c leaf (${x509Hash(leafDer)})`
  if (prefix === 'x509_san_dns') {
    const names = sanDnsNames(new x509.X509Certificate(leafDer))
    const responseHost = responseUri === undefined ? undefined : URL.parse(responseUri)?.hostname
    if (names.includes(value) && responseHost === value) return undefined
    return `the client id ${clientId} is not a DNS SAN of the x5c leaf (${names.join(', ') || 'none'}) that is also the response_uri host (${responseHost ?? 'none'})`
  }
  return `the client id ${clientId} is not an x509_hash or x509_san_dns client id`
}

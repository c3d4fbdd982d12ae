import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

const crypto = webcrypto as Crypto
export const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }

/** A CA no lab registry lists and a signing certificate under it, with their keys. */
export interface TestChain {
  root: x509.X509Certificate
  rootKeys: CryptoKeyPair
  leaf: x509.X509Certificate
  leafKeys: CryptoKeyPair
}

const validity = () => ({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) })
const newKeys = async () => (await crypto.subtle.generateKey(ES256, true, ['sign', 'verify'])) as CryptoKeyPair

/**
 * `CN=<rootName>` (CA, keyCertSign, path length 0) and `CN=<leafName>` under it (digitalSignature, SAN URI `sanUri`
 * when given), P-256 and ES256, valid from a minute ago for a day: a party the lab did not set up.
 */
export async function testChain(rootName: string, leafName: string, sanUri?: string): Promise<TestChain> {
  const [rootKeys, leafKeys] = [await newKeys(), await newKeys()]
  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${rootName}, C=CA`,
      ...validity(),
      keys: rootKeys,
      signingAlgorithm: ES256,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    },
    crypto,
  )
  const leaf = await x509.X509CertificateGenerator.create(
    {
      issuer: root.subject,
      subject: `CN=${leafName}, C=CA`,
      ...validity(),
      signingKey: rootKeys.privateKey,
      publicKey: leafKeys.publicKey,
      signingAlgorithm: ES256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...(sanUri ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: sanUri }])] : []),
      ],
    },
    crypto,
  )
  return { root, rootKeys, leaf, leafKeys }
}

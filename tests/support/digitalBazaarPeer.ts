import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey'
import { createSignCryptosuite as ecdsaJcsSign, createVerifyCryptosuite as ecdsaJcsVerify } from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { createDiscloseCryptosuite as ecdsaSdDisclose, createSignCryptosuite as ecdsaSdSign, createVerifyCryptosuite as ecdsaSdVerify } from '@digitalbazaar/ecdsa-sd-2023-cryptosuite'
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey'
import { Ed25519Signature2020, suiteContext as ed25519Signature2020Context } from '@digitalbazaar/ed25519-signature-2020'
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020'
import { createSignCryptosuite as eddsaJcsSign, createVerifyCryptosuite as eddsaJcsVerify } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import * as vc from '@digitalbazaar/vc'
import { bundledContexts } from '@interop-lab/common/jsonld'

/**
 * Digital Bazaar's VC libraries (@digitalbazaar/vc and its cryptosuites) as an independent peer: it
 * issues and verifies with its own code. Its document loader serves its own bundled contexts, the
 * W3C ones it does not ship from the lab's verbatim copies, did:key documents built from the key in
 * the DID, and fetches the lab's own context from the URL the lab's issuer publishes it at.
 */
export type PeerSuite = 'eddsa-rdfc-2022' | 'eddsa-jcs-2022' | 'ecdsa-rdfc-2019' | 'ecdsa-jcs-2019' | 'ecdsa-sd-2023' | 'Ed25519Signature2020'
export type Curve = 'Ed25519' | 'P-256' | 'P-384'
type Json = Record<string, any>

const DID_V1 = 'https://www.w3.org/ns/did/v1'
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1'
const ED25519_2020_V1 = 'https://w3id.org/security/suites/ed25519-2020/v1'

export interface PeerKey {
  did: string
  verificationMethod: string
  suite: PeerSuite
  /** What the peer signs with (a Multikey key pair, or an Ed25519VerificationKey2020 one). */
  keyPair: any
}

export async function peerKey(suite: PeerSuite, curve: Curve = suite.startsWith('ecdsa') ? 'P-256' : 'Ed25519'): Promise<PeerKey> {
  const keyPair = suite === 'Ed25519Signature2020' ? await Ed25519VerificationKey2020.generate() : curve === 'Ed25519' ? await Ed25519Multikey.generate() : await EcdsaMultikey.generate({ curve })
  const fingerprint: string = keyPair.publicKeyMultibase ?? keyPair.fingerprint()
  const did = `did:key:${fingerprint}`
  keyPair.controller = did
  keyPair.id = `${did}#${fingerprint}`
  return { did, verificationMethod: keyPair.id, suite, keyPair }
}

function signingSuite(key: PeerKey, extra: Json = {}, mandatoryPointers: string[] = []) {
  const signer = key.suite === 'Ed25519Signature2020' ? undefined : key.keyPair.signer()
  switch (key.suite) {
    case 'Ed25519Signature2020':
      return new Ed25519Signature2020({ key: key.keyPair, ...extra })
    case 'eddsa-rdfc-2022':
      return new DataIntegrityProof({ signer, cryptosuite: eddsaRdfc2022, ...extra })
    case 'ecdsa-rdfc-2019':
      return new DataIntegrityProof({ signer, cryptosuite: ecdsaRdfc2019, ...extra })
    case 'eddsa-jcs-2022':
      return new DataIntegrityProof({ signer, cryptosuite: eddsaJcsSign(), ...extra })
    case 'ecdsa-jcs-2019':
      return new DataIntegrityProof({ signer, cryptosuite: ecdsaJcsSign(), ...extra })
    case 'ecdsa-sd-2023':
      return new DataIntegrityProof({ signer, cryptosuite: ecdsaSdSign({ mandatoryPointers }), ...extra })
  }
}

const verifyingSuites = () => [
  new Ed25519Signature2020(),
  new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
  new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
  new DataIntegrityProof({ cryptosuite: eddsaJcsVerify() }),
  new DataIntegrityProof({ cryptosuite: ecdsaJcsVerify() }),
  new DataIntegrityProof({ cryptosuite: ecdsaSdVerify() }),
]

/** A did:key document from the key in the DID: Ed25519 keys as Ed25519VerificationKey2020 (which every Ed25519 suite here reads), others as Multikey. */
function didKeyDocument(url: string): Json {
  const did = url.split('#')[0]
  const fingerprint = did.slice('did:key:'.length)
  const id = `${did}#${fingerprint}`
  const ed25519 = fingerprint.startsWith('z6Mk')
  const method = { id, type: ed25519 ? 'Ed25519VerificationKey2020' : 'Multikey', controller: did, publicKeyMultibase: fingerprint }
  const context = ed25519 ? ED25519_2020_V1 : MULTIKEY_V1
  if (url.includes('#')) return { '@context': context, ...method }
  return { '@context': [DID_V1, context], id: did, verificationMethod: [method], assertionMethod: [id], authentication: [id] }
}

export function peerDocumentLoader(remoteContexts: Readonly<Record<string, string>> = {}) {
  const labCopies = bundledContexts()
  return async (url: string) => {
    const answer = (document: unknown) => ({ contextUrl: null, documentUrl: url, document })
    if (url.startsWith('did:key:')) return answer(didKeyDocument(url))
    if (url === ED25519_2020_V1) return answer(ed25519Signature2020Context.CONTEXT)
    if (remoteContexts[url]) {
      const response = await fetch(remoteContexts[url], { headers: { accept: 'application/ld+json' } })
      if (!response.ok) throw new Error(`${remoteContexts[url]} answered ${response.status}`)
      return answer(await response.json())
    }
    try {
      return await vc.defaultDocumentLoader(url)
    } catch {
      const copy = labCopies.get(url)
      if (!copy) throw new Error(`The peer cannot load ${url}`)
      return answer(structuredClone(copy))
    }
  }
}

export type PeerLoader = ReturnType<typeof peerDocumentLoader>

/** `mandatoryPointers`: for ecdsa-sd-2023, what every credential derived from this one must disclose. */
export async function peerIssue(credential: Json, key: PeerKey, documentLoader: PeerLoader, mandatoryPointers: string[] = []): Promise<Json> {
  return vc.issue({ credential: structuredClone(credential), suite: signingSuite(key, {}, mandatoryPointers), documentLoader })
}

/** The holder's step of ecdsa-sd-2023: a credential disclosing the mandatory claims and `selectivePointers`, with a derived proof. */
export async function peerDerive(verifiableCredential: Json, selectivePointers: string[], documentLoader: PeerLoader): Promise<Json> {
  return vc.derive({ verifiableCredential: structuredClone(verifiableCredential), suite: new DataIntegrityProof({ cryptosuite: ecdsaSdDisclose({ selectivePointers }) }), documentLoader })
}

export async function peerSignPresentation(presentation: Json, key: PeerKey, challenge: string, domain: string, documentLoader: PeerLoader): Promise<Json> {
  return vc.signPresentation({ presentation: structuredClone(presentation), suite: signingSuite(key), challenge, domain, documentLoader })
}

/**
 * The peer's verification of a credential: proof (every suite above) and validity. Status is the
 * lab's to check; the peer is told every status is fine, which is all `checkStatus` can say here.
 */
export async function peerVerify(credential: Json, documentLoader: PeerLoader): Promise<{ verified: boolean; error?: unknown; results?: unknown[] }> {
  return vc.verifyCredential({ credential, suite: verifyingSuites(), documentLoader, checkStatus: async () => ({ verified: true }) })
}

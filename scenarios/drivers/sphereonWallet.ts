import { createHash } from 'node:crypto'
import { OpenID4VCIClient } from '@sphereon/oid4vci-client'
import type { Jwt } from '@sphereon/oid4vci-common'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { z } from 'zod'
import { answerSdJwtCheck, SD_JWT_HANDOFF, sdJwtCheckRequest } from './sdjwtCheck'
import { DriverError, type WalletDriver } from './types'

/**
 * Sphereon's OID4VCI client (`@sphereon/oid4vci-client`) as the wallet: it redeems offers with the pre-authorized
 * code and tx_code, proving possession of a P-256 did:jwk it makes for each holder. Sphereon publishes no OID4VP 1.0
 * (DCQL) wallet package, so it presents over OID4VP to no one; it hands its SD-JWT VCs, with a key binding JWT, to
 * the `sdjwt-check` verifier only.
 */
export const sphereonWalletConfig = z.strictObject({
  role: z.literal('wallet'),
  driver: z.literal('sphereon-wallet'),
})
export type SphereonWalletConfig = z.infer<typeof sphereonWalletConfig>

export const SPHEREON_WALLET_CANNOT_PRESENT = `Sphereon publishes no OID4VP 1.0 (DCQL) wallet package: this wallet presents over ${SD_JWT_HANDOFF} (the sdjwt-check verifier) only`

/** A holder's key, as the wallet keeps it: the private key signs proofs of possession, the did:jwk names it. */
export interface HolderKey {
  did: string
  kid: string
  publicJwk: JWK
  privateKey: CryptoKey
}

export async function makeHolderKey(): Promise<HolderKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const did = `did:jwk:${Buffer.from(JSON.stringify(publicJwk)).toString('base64url')}`
  return { did, kid: `${did}#0`, publicJwk, privateKey }
}

/** A credential as the Sphereon client received it. */
export interface ReceivedCredential {
  configurationId: string
  format: string
  credential: unknown
}

/** An SD-JWT VC with every disclosure and a key binding JWT (RFC 9901 §4.3) for this nonce and audience. */
export async function presentSdJwt(sdJwt: string, holder: HolderKey, request: { nonce: string; audience: string }): Promise<string> {
  const withoutKeyBinding = sdJwt.endsWith('~') ? sdJwt : `${sdJwt.split('~').slice(0, -1).join('~')}~`
  const sdHash = createHash('sha256').update(withoutKeyBinding).digest('base64url')
  const keyBinding = await new SignJWT({ nonce: request.nonce, aud: request.audience, sd_hash: sdHash }).setProtectedHeader({ typ: 'kb+jwt', alg: 'ES256' }).setIssuedAt().sign(holder.privateKey)
  return `${withoutKeyBinding}${keyBinding}`
}

const message = (error: unknown) => (error instanceof Error ? error.message : typeof error === 'object' ? JSON.stringify(error) : String(error))

/** Redeems one offer with the Sphereon client: every credential configuration it offers, one request each. */
export async function redeemWithSphereon(offerUri: string, txCode: string | undefined, holder: HolderKey): Promise<ReceivedCredential[]> {
  let step = 'reading the offer and the issuer metadata'
  try {
    const client = await OpenID4VCIClient.fromURI({ uri: offerUri, alg: 'ES256', retrieveServerMetadata: true })
    step = 'the token request (pre-authorized code grant, OID4VCI 1.0 §6)'
    await client.acquireAccessToken({ pin: txCode })
    const offered = client.credentialOffer?.credential_offer as { credential_configuration_ids?: string[] } | undefined
    const supported = client.getCredentialsSupported() as Record<string, { format: string }>
    const received: ReceivedCredential[] = []
    for (const configurationId of offered?.credential_configuration_ids ?? []) {
      const format = supported[configurationId]?.format
      if (!format) throw new DriverError('bad-answer', `the issuer offered ${configurationId}, which its metadata does not list (OID4VCI 1.0 §4.1.1 credential_configuration_ids)`)
      step = `the credential request for ${configurationId} (OID4VCI 1.0 §8)`
      // an SD-JWT VC is bound to the key itself (cnf.jwk, SD-JWT VC §3.2.2.2), a W3C VC to the holder's DID
      const binding = format === 'dc+sd-jwt' ? { jwk: holder.publicJwk } : { kid: holder.kid }
      const signCallback = async ({ header, payload }: Jwt) => {
        const { kid: _kid, jwk: _jwk, ...rest } = header as Record<string, unknown>
        return new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ ...rest, ...binding, alg: 'ES256' }).sign(holder.privateKey)
      }
      const response = await client.acquireCredentials({ credentialTypes: configurationId, format, proofCallbacks: { signCallback }, ...binding, alg: 'ES256' })
      const credentials = (response as { credentials?: { credential: unknown }[]; credential?: unknown }).credentials?.map((c) => c.credential) ?? [(response as { credential?: unknown }).credential]
      for (const credential of credentials.filter(Boolean)) received.push({ configurationId, format, credential })
    }
    return received
  } catch (error) {
    if (error instanceof DriverError) throw error
    throw new DriverError('refused', `the Sphereon client failed at ${step}: ${message(error)}`)
  }
}

export function sphereonWallet(name: string): WalletDriver & { held(holder: string): ReceivedCredential[]; keyOf(holder: string): Promise<HolderKey> } {
  const keys = new Map<string, Promise<HolderKey>>()
  const held = new Map<string, ReceivedCredential[]>()
  const keyOf = (holder: string) => {
    if (!keys.has(holder)) keys.set(holder, makeHolderKey())
    return keys.get(holder)!
  }
  return {
    implementation: `sphereon-wallet@${name}`,
    url: 'in-process',
    describe: async () => ({ protocols: { oid4vc: ['dc+sd-jwt', 'jwt_vc_json'] }, abilities: [], presentsOver: [SD_JWT_HANDOFF] }),
    async reset(holders) {
      for (const holder of holders) held.delete(holder)
    },
    async acceptOffer(holder, offer) {
      const received = await redeemWithSphereon(offer.offerUri, offer.txCode, await keyOf(holder))
      held.set(holder, [...(held.get(holder) ?? []), ...received])
      return received.length
    },
    async present(holder, { requestUri }, fault) {
      if (fault) throw new DriverError('unsupported', `sphereon-wallet@${name} cannot break a presentation on purpose (${fault.kind})`)
      const request = sdJwtCheckRequest(requestUri)
      if (!request) throw new DriverError('unsupported', SPHEREON_WALLET_CANNOT_PRESENT)
      const key = await keyOf(holder)
      const sdJwts = (held.get(holder) ?? []).filter((c) => c.format === 'dc+sd-jwt' && typeof c.credential === 'string')
      answerSdJwtCheck(requestUri, await Promise.all(sdJwts.map((c) => presentSdJwt(c.credential as string, key, request))))
      return { submitted: true }
    },
    held: (holder) => held.get(holder) ?? [],
    keyOf,
  }
}

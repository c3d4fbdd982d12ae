import type { Agent } from '@credo-ts/core'
import { type OpenId4VcIssuerRecord, OpenId4VcIssuerService } from '@credo-ts/openid4vc'

type Nonce = Awaited<ReturnType<OpenId4VcIssuerService['createNonce']>>
type VerifyNonce = (context: Agent['context'], issuer: OpenId4VcIssuerRecord, nonce: string) => Promise<void>

/** A c_nonce this process made: for which issuer key, until when (its `exp`, in seconds). */
interface MadeNonce {
  signer: string
  exp: number
}

/** An issuer's latest c_nonce, shared while it is being made, then for the second its `exp` names. */
interface LatestNonce {
  nonce: Promise<Nonce>
  made?: Nonce
}

const expiryOf = (nonce: Nonce) => Math.floor(nonce.cNonceExpiresAt.getTime() / 1000)

/** What Credo's createNonce puts in `exp` when called now: the current time plus the nonce's lifetime, in whole seconds. */
const expiryIfMadeNow = (lifetimeSeconds: number) => Math.floor((Date.now() + lifetimeSeconds * 1000) / 1000)

/** An issuer's nonce signer: its id and access token key (a rotated key signs other nonces). */
const signerOf = (issuer: OpenId4VcIssuerRecord) => `${issuer.issuerId} ${JSON.stringify(issuer.accessTokenPublicJwk ?? issuer.accessTokenPublicKeyFingerprint)}`

/**
 * Installed once, where the issuer's agent is made. Credo's c_nonce is a JWS over `{ iss, exp }`, `exp` in whole seconds,
 * signed by the issuer's access token key (Ed25519, whose signatures are deterministic): every nonce Credo makes for an
 * issuer within one second is the same string. Here it is signed once per issuer and second and handed out again for
 * the rest of that second (token responses, credential responses, the Nonce Endpoint), `exp` as Credo would set it.
 * A nonce that comes back in a key proof and is one this process made (the same string, under the issuer's current
 * key) is known to be signed by that key with Credo's `iss` and `typ`: only its expiry is checked. Any other nonce, one
 * made by another worker process or expired, goes through Credo's whole check (TypeScript-private `verifyNonce`).
 */
export function noncesOncePerSecond(agent: Agent): void {
  const service = agent.dependencyManager.resolve(OpenId4VcIssuerService)
  const latest = new Map<string, LatestNonce>()
  const made = new Map<string, MadeNonce>()
  const remember = (signer: string, nonce: Nonce) => {
    const now = Date.now() / 1000
    for (const [value, { exp }] of made) if (exp < now) made.delete(value)
    made.set(nonce.cNonce, { signer, exp: expiryOf(nonce) })
  }

  const createNonce = service.createNonce.bind(service)
  service.createNonce = (context, issuer) => {
    const signer = signerOf(issuer)
    const kept = latest.get(signer)
    if (kept && (!kept.made || expiryOf(kept.made) === expiryIfMadeNow(kept.made.cNonceExpiresInSeconds))) return kept.nonce
    const entry: LatestNonce = {
      nonce: createNonce(context, issuer).then((nonce) => {
        entry.made = nonce
        remember(signer, nonce)
        return nonce
      }),
    }
    entry.nonce.catch(() => latest.get(signer) === entry && latest.delete(signer))
    latest.set(signer, entry)
    return entry.nonce
  }

  const credo = service as unknown as { verifyNonce: VerifyNonce }
  const verifyNonce = credo.verifyNonce.bind(service)
  credo.verifyNonce = (context, issuer, nonce) => {
    const own = made.get(nonce)
    if (own && own.signer === signerOf(issuer) && Date.now() / 1000 < own.exp) return Promise.resolve()
    return verifyNonce(context, issuer, nonce)
  }
}

import type { Agent } from '@credo-ts/core'
import type { OpenId4VcHolderApi, OpenId4VciCredentialBindingResolver, OpenId4VciResolvedCredentialOffer } from '@credo-ts/openid4vc'
import { agentDependencies } from '@credo-ts/node'
import { createHash, randomBytes } from 'node:crypto'
import { type HaipRequirement, haipRequirementSchema, type IssuanceFault, type IssuerRefusal } from '@interop-lab/contracts'
import { newDeviceKey } from './mdoc'
import { WALLET_CLIENT_ID, type WalletProvider } from './walletProvider'

/** Where the issuer's authorization endpoint sends the wallet back: the wallet app's own scheme, read from the redirect, never fetched. */
export const HAIP_REDIRECT_URI = 'interop-lab-wallet://oid4vci/authorized'

const ENDPOINTS: [RegExp, IssuerRefusal['endpoint']][] = [
  [/\/par$/, 'par'],
  [/\/authorize$/, 'authorization'],
  [/\/token$/, 'token'],
  [/\/credential$/, 'credential'],
]

/**
 * The wire of a HAIP issuance: what a fault leaves out of the requests Credo makes (a DPoP proof, the Wallet Attestation
 * headers, the PKCE code challenge), and the issuer's last OAuth error on it, which the wallet's answer carries.
 */
export class IssuanceWire {
  public fault?: IssuanceFault
  public refusal?: IssuerRefusal

  public start(fault?: IssuanceFault): void {
    this.fault = fault
    this.refusal = undefined
  }

  /** Sends a request Credo made, as the fault has it, and keeps the issuer's refusal if it refuses. */
  public async exchange(input: Parameters<typeof fetch>[0], init: RequestInit, fetch: typeof agentDependencies.fetch): Promise<Response> {
    const response = await fetch(input, this.withFault(init))
    await this.observe(String(input instanceof Request ? input.url : input), response)
    return response
  }

  private withFault(init: RequestInit): RequestInit {
    const headers = new Headers(init.headers)
    switch (this.fault?.kind) {
      case 'no-dpop':
        headers.delete('DPoP')
        return { ...init, headers }
      case 'no-wallet-attestation':
        headers.delete('OAuth-Client-Attestation')
        headers.delete('OAuth-Client-Attestation-PoP')
        return { ...init, headers }
      case 'no-pkce': {
        if (typeof init.body !== 'string' || !init.body.includes('code_challenge')) return init
        const params = new URLSearchParams(init.body)
        params.delete('code_challenge')
        params.delete('code_challenge_method')
        return { ...init, body: params.toString() }
      }
      default:
        return init
    }
  }

  /** An OAuth error (RFC 6749 §5.2) from one of the issuer's OAuth endpoints, with the HAIP requirement it names. */
  public async observe(url: string, response: Response): Promise<void> {
    const endpoint = ENDPOINTS.find(([path]) => path.test(new URL(url).pathname))?.[1]
    if (!endpoint || response.status < 400) return
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { error?: unknown; error_description?: unknown; haip_requirement?: unknown }
    const requirement = haipRequirementSchema.safeParse(body.haip_requirement)
    this.refusal = {
      endpoint,
      error: typeof body.error === 'string' ? body.error : `HTTP ${response.status}`,
      ...(typeof body.error_description === 'string' ? { errorDescription: body.error_description } : {}),
      ...(requirement.success ? { requirement: requirement.data as HaipRequirement } : {}),
      ...(this.fault ? { fault: this.fault } : {}),
    }
  }
}

/** A key attested by the wallet provider for each credential: a new P-256 key in the persona's KMS (HAIP 1.0 §4.5.1). */
const attestedKeyBinding =
  (agent: Agent, provider: WalletProvider): OpenId4VciCredentialBindingResolver =>
  async () => ({ method: 'attestation', keyAttestationJwt: await provider.keyAttestation([await newDeviceKey(agent)]) })

export interface HaipIssuance {
  agent: Agent & { openid4vc: { holder: OpenId4VcHolderApi } }
  provider: WalletProvider
  wire: IssuanceWire
}

/**
 * HAIP 1.0 §4 with Credo's holder: a Wallet Attestation from the wallet provider for a new instance key, the authorization
 * request pushed (PAR) with PKCE S256 and DPoP, the authorization endpoint's redirect read for the code (RFC 9207 `iss`
 * checked), the DPoP-bound token, and credentials bound to attested keys. The `no-par` fault sends the authorization
 * request to the authorization endpoint itself.
 */
export async function requestHaipCredentials({ agent, provider, wire }: HaipIssuance, offer: OpenId4VciResolvedCredentialOffer) {
  const holder = agent.openid4vc.holder
  const authorizationServer = offer.metadata.authorizationServers[0]
  if (wire.fault?.kind === 'no-par') {
    await authorizationCode(wire, unpushed(offer), authorizationServer.issuer)
    throw new Error('The authorization endpoint granted an authorization request that was not pushed')
  }
  const walletAttestationJwt = await provider.walletAttestation(await newDeviceKey(agent))
  const flow = { clientId: WALLET_CLIENT_ID, redirectUri: HAIP_REDIRECT_URI, walletAttestationJwt }
  const authorization = await holder.resolveOpenId4VciAuthorizationRequest(offer, flow)
  if (!('authorizationRequestUrl' in authorization)) throw new Error('The issuer asks for a presentation during issuance; a HAIP offer is authorized by its issuer_state')
  const code = await authorizationCode(wire, authorization.authorizationRequestUrl, authorizationServer.issuer)
  const token = await holder.requestToken({ resolvedCredentialOffer: offer, code, codeVerifier: authorization.codeVerifier, dpop: authorization.dpop, ...flow })
  const { credentials } = await holder.requestCredentials({ resolvedCredentialOffer: offer, ...token, clientId: WALLET_CLIENT_ID, credentialBindingResolver: attestedKeyBinding(agent, provider) })
  return credentials
}

/** The `no-par` fault: the whole authorization request (PKCE S256 included) in the authorization endpoint's query, as before PAR (RFC 6749 §4.1.1). */
function unpushed(offer: OpenId4VciResolvedCredentialOffer): string {
  const endpoint = offer.metadata.authorizationServers[0].authorization_endpoint
  if (!endpoint) throw new Error('The issuer lists no authorization endpoint (RFC 8414 authorization_endpoint)')
  const scope = Object.values(offer.offeredCredentialConfigurations).map((configuration) => configuration.scope)
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: WALLET_CLIENT_ID,
    redirect_uri: HAIP_REDIRECT_URI,
    scope: scope.join(' '),
    issuer_state: String(offer.credentialOfferPayload.grants?.authorization_code?.issuer_state ?? ''),
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
  })
  return `${endpoint}?${query}`
}

/** Follows the authorization endpoint to its redirect to this wallet, and reads the code from it. */
async function authorizationCode(wire: IssuanceWire, url: string, authorizationServer: string): Promise<string> {
  const response = await agentDependencies.fetch(url, { redirect: 'manual' })
  await wire.observe(url, response)
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) throw new Error(`The authorization endpoint answered ${response.status}, not a redirect to this wallet`)
  const redirect = new URL(location)
  const error = redirect.searchParams.get('error')
  if (error) throw new Error(`The authorization endpoint refused: ${error} ${redirect.searchParams.get('error_description') ?? ''}`)
  // RFC 9207 §2.4: the response comes from the authorization server this wallet asked
  if (redirect.searchParams.get('iss') !== authorizationServer) throw new Error(`The authorization response's iss (${redirect.searchParams.get('iss')}) is not ${authorizationServer} (RFC 9207 §2.4)`)
  const code = redirect.searchParams.get('code')
  if (!code) throw new Error('The authorization response carries no code')
  return code
}

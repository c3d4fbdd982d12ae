import { type Agent, type SdJwtVcRecord, type W3cCredentialRecord } from '@credo-ts/core'
import { agentDependencies } from '@credo-ts/node'
import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { createAgent } from '../common/agent'
import type { DatabaseConfig, Migration } from '../common/db'
import { HttpError } from '../common/http'
import { type Fault, mapVpToken, swapHolderKey, tamperPresentation } from './faults'

export const walletMigrations: Migration[] = [
  { id: 'wallet-holder-1', sql: 'CREATE TABLE holder_identity (persona TEXT PRIMARY KEY, did TEXT NOT NULL)' },
]

export interface HeldCredential {
  id: string
  format: 'dc+sd-jwt' | 'jwt_vc_json'
  type: string
  issuer: string
  claims: Record<string, unknown>
}

export interface PresentationOutcome {
  submitted: boolean
  verifierStatus?: number
  verifierResponse?: unknown
  error?: string
  fault?: Fault
}

type WalletAgent = Agent<{ openid4vc: OpenId4VcModule }>

/**
 * A holder persona: accepts OID4VCI offers and answers OID4VP requests on its own, from any
 * issuer or verifier URL. A presentation may carry a fault, applied on the wire to what Credo sends.
 */
export class PersonaWallet {
  private fault?: Fault
  /** The last honest vp_token sent, kept so the replay fault can send it to another session. */
  private lastVpToken?: string
  private queue: Promise<unknown> = Promise.resolve()
  private agent!: WalletAgent
  private shutdownAgent!: () => Promise<void>
  public holderDid!: string

  private constructor(public readonly personaId: string) {}

  public static async open(personaId: string, database: DatabaseConfig, dataDir: string): Promise<PersonaWallet> {
    const wallet = new PersonaWallet(personaId)
    const { agent, db, shutdown } = await createAgent({
      database,
      dataDir,
      migrations: walletMigrations,
      fetch: (input, init) => wallet.send(input, init),
      modules: { openid4vc: new OpenId4VcModule() },
    })
    wallet.agent = agent
    wallet.shutdownAgent = shutdown
    const [row] = await db.query<{ did: string }>('SELECT did FROM holder_identity WHERE persona = ?', [personaId])
    if (row) wallet.holderDid = row.did
    else {
      const created = await agent.dids.create({ method: 'jwk', options: { createKey: { type: { kty: 'OKP', crv: 'Ed25519' } } } })
      wallet.holderDid = created.didState.did!
      await db.run('INSERT INTO holder_identity (persona, did) VALUES (?, ?)', [personaId, wallet.holderDid])
    }
    return wallet
  }

  /** One exchange at a time per persona, so a fault never leaks into another request. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async send(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    const body = init?.body
    if (init?.method !== 'POST' || !(typeof body === 'string' || body instanceof URLSearchParams)) return agentDependencies.fetch(input, init)
    const params = new URLSearchParams(body)
    const vpToken = params.get('vp_token')
    if (!vpToken) return agentDependencies.fetch(input, init)
    params.set('vp_token', await this.applyFault(vpToken))
    this.lastVpToken = vpToken
    return agentDependencies.fetch(input, { ...init, body: params.toString() })
  }

  private async applyFault(vpToken: string): Promise<string> {
    switch (this.fault?.kind) {
      case 'tamper':
        return mapVpToken(vpToken, tamperPresentation)
      case 'wrong-holder-key':
        return mapVpToken(vpToken, swapHolderKey)
      case 'replay':
        if (!this.lastVpToken) throw new Error('Nothing to replay: this wallet has not presented before')
        return this.lastVpToken
      default:
        return vpToken
    }
  }

  public acceptOffer(offerUri: string, txCode?: string): Promise<HeldCredential[]> {
    return this.serialize(async () => {
      const holder = this.agent.openid4vc.holder
      const offer = await holder.resolveCredentialOffer(offerUri)
      const token = await holder.requestToken({ resolvedCredentialOffer: offer, txCode })
      const kid = `${this.holderDid}#0`
      const { credentials } = await holder.requestCredentials({
        resolvedCredentialOffer: offer,
        ...token,
        credentialBindingResolver: () => ({ method: 'did', didUrls: [kid] }),
      })
      const held: HeldCredential[] = []
      for (const { record } of credentials) {
        if (record.type === 'SdJwtVcRecord') await this.agent.sdJwtVc.store({ record: record as SdJwtVcRecord })
        else await this.agent.w3cCredentials.store({ record: record as W3cCredentialRecord })
        held.push(describe(record as SdJwtVcRecord | W3cCredentialRecord))
      }
      return held
    })
  }

  public present(requestUri: string, fault?: Fault): Promise<PresentationOutcome> {
    return this.serialize(async () => {
      const holder = this.agent.openid4vc.holder
      const request = await holder.resolveOpenId4VpAuthorizationRequest(requestUri)
      if (!request.dcql) throw new HttpError(422, 'unsupported_request', 'Only OID4VP requests with a DCQL query are supported by this wallet')
      if (!request.dcql.queryResult.can_be_satisfied) {
        return { submitted: false, error: 'This wallet holds no credentials that satisfy the request', fault }
      }
      const selected = holder.selectCredentialsForDcqlRequest(request.dcql.queryResult)
      if (fault?.kind === 'withhold') {
        for (const matches of Object.values(selected)) for (const match of matches) delete (match.disclosedPayload as Record<string, unknown>)[fault.claim]
      }
      this.fault = fault
      try {
        const { serverResponse } = await holder.acceptOpenId4VpAuthorizationRequest({
          authorizationRequestPayload: request.authorizationRequestPayload,
          dcql: { credentials: selected },
        })
        const ok = serverResponse !== undefined && serverResponse.status < 300
        return { submitted: true, verifierStatus: serverResponse?.status, verifierResponse: serverResponse?.body, error: ok ? undefined : describeRejection(serverResponse?.body), fault }
      } catch (error) {
        return { submitted: true, error: error instanceof Error ? error.message : String(error), fault }
      } finally {
        this.fault = undefined
      }
    })
  }

  public async credentials(): Promise<HeldCredential[]> {
    const sdJwts = await this.agent.sdJwtVc.getAll()
    const w3c = await this.agent.w3cCredentials.getAll()
    return [...sdJwts, ...w3c].map(describe)
  }

  public forgetCredentials(): Promise<void> {
    return this.serialize(async () => {
      for (const record of await this.agent.sdJwtVc.getAll()) await this.agent.sdJwtVc.deleteById(record.id)
      for (const record of await this.agent.w3cCredentials.getAll()) await this.agent.w3cCredentials.deleteById(record.id)
    })
  }

  public close(): Promise<void> {
    return this.shutdownAgent()
  }
}

function describeRejection(body: unknown): string {
  if (body && typeof body === 'object' && 'error_description' in body) return String((body as { error_description: unknown }).error_description)
  return typeof body === 'string' ? body : JSON.stringify(body)
}

function describe(record: SdJwtVcRecord | W3cCredentialRecord): HeldCredential {
  if (record.type === 'SdJwtVcRecord') {
    const credential = (record as SdJwtVcRecord).firstCredential
    const { vct, iss, cnf, iat, exp, status, ...claims } = credential.prettyClaims as Record<string, unknown>
    return { id: record.id, format: 'dc+sd-jwt', type: String(vct), issuer: String(iss), claims }
  }
  const credential = (record as W3cCredentialRecord).firstCredential
  const subject = credential.credentialSubject as unknown as { claims?: Record<string, unknown> }[]
  return {
    id: record.id,
    format: 'jwt_vc_json',
    type: credential.type.filter((t) => t !== 'VerifiableCredential').join(','),
    issuer: credential.issuerId,
    claims: (Array.isArray(subject) ? subject[0] : subject)?.claims ?? {},
  }
}

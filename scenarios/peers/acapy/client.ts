import { z } from 'zod'

// The answers of ACA-Py's admin API, as far as the lab reads them: every answer is parsed, never cast.

const record = z.object({ state: z.string(), thread_id: z.string().optional(), error_msg: z.string().nullish() })

export const InvitationRecord = z.object({
  invitation: z.record(z.string(), z.unknown()),
  invitation_url: z.string(),
  oob_id: z.string().optional(),
})
export const OobRecord = z.object({ state: z.string(), oob_id: z.string(), connection_id: z.string().nullish(), invi_msg_id: z.string().optional() })
export const Connection = z.object({
  connection_id: z.string(),
  state: z.string(),
  their_label: z.string().nullish(),
  rfc23_state: z.string().optional(),
  invitation_msg_id: z.string().nullish(),
  connection_protocol: z.string().nullish(),
})
export const DidInfo = z.object({ result: z.object({ did: z.string(), verkey: z.string(), method: z.string(), key_type: z.string() }) })
export const CredentialExchange = record.extend({
  cred_ex_id: z.string(),
  connection_id: z.string().nullish(),
  role: z.string(),
  cred_offer: z.record(z.string(), z.unknown()).nullish(),
  by_format: z.object({ cred_issue: z.object({ ld_proof: z.record(z.string(), z.unknown()).optional() }).optional() }).nullish(),
})
export const CredentialExchangeDetail = z.object({
  cred_ex_record: CredentialExchange,
  ld_proof: z.object({ cred_id_stored: z.string().nullish() }).nullish(),
})
export const PresentationExchange = record.extend({
  pres_ex_id: z.string(),
  connection_id: z.string().nullish(),
  role: z.string(),
  verified: z.enum(['true', 'false']).nullish(),
  verified_msgs: z.array(z.string()).nullish(),
  pres_request: z.record(z.string(), z.unknown()).nullish(),
  by_format: z
    .object({
      pres_request: z.record(z.string(), z.unknown()).optional(),
      pres: z.object({ dif: z.record(z.string(), z.unknown()).optional() }).optional(),
    })
    .nullish(),
})
export const W3cCredentialList = z.object({ results: z.array(z.object({ cred_value: z.record(z.string(), z.unknown()), record_id: z.string(), issuer_id: z.string().nullish() })) })
const results = <T extends z.ZodType>(item: T) => z.object({ results: z.array(item) })

export type CredentialExchange = z.infer<typeof CredentialExchange>
export type PresentationExchange = z.infer<typeof PresentationExchange>

export class AcaPyAdminError extends Error {
  public constructor(
    public readonly status: number,
    public readonly path: string,
    body: string,
  ) {
    super(`ACA-Py admin ${path} answered ${status}: ${body.slice(0, 500)}`)
    this.name = 'AcaPyAdminError'
  }
}

/**
 * The parts of ACA-Py's admin API the lab uses (out-of-band, connections, issue-credential 2.0, present-proof 2.0):
 * the `acapy` driver's backchannel, as AATH's, and the tests' client.
 */
export class AcaPyAdmin {
  /**
   * @param explain what the agent logged that explains a step that did not happen (its errors)
   * @param headers sent with every call (`X-API-Key` for an agent whose admin API is not in insecure mode)
   */
  public constructor(
    public readonly url: string,
    private readonly explain: () => string = () => '',
    private readonly headers: Record<string, string> = {},
  ) {}

  private async call<T extends z.ZodType>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    })
    const text = await response.text()
    if (!response.ok) throw new AcaPyAdminError(response.status, path, text)
    return schema.parse(JSON.parse(text))
  }

  /** Whether the agent answers, and its version. */
  public status() {
    return this.call('GET', '/status', z.object({ version: z.string().optional(), label: z.string().nullish() }))
  }

  /** The DID document ACA-Py's own resolvers make of `did` (`GET /resolver/resolve/{did}`). */
  public resolveDid(did: string) {
    return this.call('GET', `/resolver/resolve/${encodeURIComponent(did)}`, z.object({ did_document: z.record(z.string(), z.unknown()), metadata: z.record(z.string(), z.unknown()).optional() }))
  }

  /** A did:key with an Ed25519 key in the agent's wallet (for issuing, or binding credentials to the holder). */
  public async createDidKey(): Promise<string> {
    return (await this.call('POST', '/wallet/did/create', DidInfo, { method: 'key', options: { key_type: 'ed25519' } })).result.did
  }

  /** An out-of-band invitation carrying the exchanges named (`credential-offer` or `present-proof` records), and/or a DID Exchange 1.1 handshake. */
  public createInvitation(options: { attachments?: { id: string; type: 'credential-offer' | 'present-proof' }[]; handshake?: boolean }) {
    return this.call('POST', '/out-of-band/create-invitation?auto_accept=true', InvitationRecord, {
      attachments: options.attachments ?? [],
      handshake_protocols: options.handshake ? ['https://didcomm.org/didexchange/1.1'] : [],
      use_public_did: false,
    })
  }

  public receiveInvitation(invitation: Record<string, unknown>) {
    return this.call('POST', '/out-of-band/receive-invitation?auto_accept=true', OobRecord, invitation)
  }

  public async connections(): Promise<z.infer<typeof Connection>[]> {
    return (await this.call('GET', '/connections', results(Connection))).results
  }

  /** An issue-credential 2.0 offer of a JSON-LD credential (RFC 0593 detail), on a connection or connectionless (for an invitation). */
  public offerCredential(detail: { credential: Record<string, unknown>; options: Record<string, unknown> }, connectionId?: string) {
    const body = { filter: { ld_proof: detail }, auto_issue: true, auto_remove: false }
    return connectionId === undefined
      ? this.call('POST', '/issue-credential-2.0/create-offer', CredentialExchange, body)
      : this.call('POST', '/issue-credential-2.0/send-offer', CredentialExchange, { ...body, connection_id: connectionId })
  }

  public async credentialExchanges(query: { threadId?: string } = {}): Promise<CredentialExchange[]> {
    const search = query.threadId ? `?thread_id=${encodeURIComponent(query.threadId)}` : ''
    return (await this.call('GET', `/issue-credential-2.0/records${search}`, results(CredentialExchangeDetail))).results.map((r) => r.cred_ex_record)
  }

  /** The credential an exchange issued (issuer) or received (holder), as it travelled. */
  public async issuedCredential(credExId: string): Promise<Record<string, unknown> | undefined> {
    return (await this.call('GET', `/issue-credential-2.0/records/${credExId}`, CredentialExchangeDetail)).cred_ex_record.by_format?.cred_issue?.ld_proof
  }

  /** The holder's answer to an offer: a request binding the credential to `holderDid`. */
  public requestCredential(credExId: string, holderDid: string) {
    return this.call('POST', `/issue-credential-2.0/records/${credExId}/send-request`, CredentialExchange, { holder_did: holderDid })
  }

  public async w3cCredentials(): Promise<z.infer<typeof W3cCredentialList>['results']> {
    return (await this.call('POST', '/credentials/w3c', W3cCredentialList, {})).results
  }

  public async deleteW3cCredential(recordId: string): Promise<void> {
    await this.call('DELETE', `/credential/w3c/${encodeURIComponent(recordId)}`, z.unknown())
  }

  /** A present-proof 2.0 request with a DIF presentation definition, on a connection or connectionless (for an invitation). */
  public requestPresentation(dif: { options: { challenge: string; domain?: string }; presentation_definition: Record<string, unknown> }, connectionId?: string) {
    const body = { presentation_request: { dif }, auto_verify: true, auto_remove: false }
    return connectionId === undefined
      ? this.call('POST', '/present-proof-2.0/create-request', PresentationExchange, body)
      : this.call('POST', '/present-proof-2.0/send-request', PresentationExchange, { ...body, connection_id: connectionId })
  }

  public async presentationExchanges(query: { threadId?: string } = {}): Promise<PresentationExchange[]> {
    const search = query.threadId ? `?thread_id=${encodeURIComponent(query.threadId)}` : ''
    return (await this.call('GET', `/present-proof-2.0/records${search}`, results(PresentationExchange))).results
  }

  /** The prover's answer: a presentation from the stored credentials that match the request. */
  public sendPresentation(presExId: string, dif: Record<string, unknown> = {}) {
    return this.call('POST', `/present-proof-2.0/records/${presExId}/send-presentation`, PresentationExchange, { dif })
  }

  /** Polls `read` until `done` holds of its answer (or `timeoutMs` passes: then the last answer is in the error). */
  public async waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: T | undefined
    while (Date.now() < deadline) {
      last = await read()
      if (done(last)) return last
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    throw new Error(`ACA-Py: ${what} did not happen within ${timeoutMs / 1000} s; last seen: ${JSON.stringify(last)?.slice(0, 400)}\nACA-Py logged:\n${this.explain().slice(-2000)}`)
  }
}

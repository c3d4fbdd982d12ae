import { DidJwk, DidKey } from '@credo-ts/core'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { OutboundPolicy } from '@interop-lab/common/net/outboundPolicy'
import { acapyInstallation, type AcaPyAgent, AcaPyAdminError, startAcaPy } from './support/acapy'
import { startTestStack } from './support/stack'
import { call } from './support/call'
import { BUSINESS_CLAIMS, PERSON_CLAIMS } from './support/pilotClaims'

// DIDComm v1 JSON-LD (ldp_vc) exchanges between the lab's services and ACA-Py 1.6, the Aries agent BC's
// ecosystem runs (issue 17), in the four directions, over real HTTP between real processes.

const installation = acapyInstallation()
const unsupported = 'unsupported' in installation ? installation.unsupported : undefined
if (unsupported) console.warn(`[acapy] ACA-Py tests unsupported: ${unsupported}`)

/** The contexts of a lab credential: VCDM 1.1, Ed25519Signature2020, the status list, the lab's claims (ACA-Py gets the last two from the interop_lab_contexts plugin). */
const LAB_CREDENTIAL_CONTEXTS = [
  'https://www.w3.org/2018/credentials/v1',
  'https://w3id.org/security/suites/ed25519-2020/v1',
  'https://www.w3.org/ns/credentials/status/v1',
  'https://interop-lab.ca/contexts/credentials/v1',
]

/** A status entry an issuer puts in a credential without announcing it in the RFC 0593 options. */
const UNANNOUNCED_STATUS = { id: 'https://status.example/1#7', type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: 'https://status.example/1' }

/** The out-of-band invitation inside an invitation URL (`?oob=<base64url JSON>`). */
const invitationOf = (url: string) => JSON.parse(Buffer.from(new URL(url).searchParams.get('oob')!, 'base64url').toString('utf8')) as Record<string, unknown>

const title = 'acaPy' in installation ? `ACA-Py 1.6 (${installation.kind})` : `ACA-Py (unsupported: ${unsupported})`
describe.skipIf(unsupported !== undefined)(`DIDComm v1 ldp_vc between the lab and ${title}`, () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>
  let acapy: AcaPyAgent
  /** A second agent whose wallet holds only the bank's two credentials: ACA-Py presents every stored credential that matches, and cannot sign one presentation for credentials of different subjects. */
  let prover: AcaPyAgent

  beforeAll(async () => {
    if (!('acaPy' in installation)) return
    ;[acapy, prover] = await Promise.all([startAcaPy(installation.acaPy, 'ACA-Py peer'), startAcaPy(installation.acaPy, 'ACA-Py prover')])
    // the lab's services send DIDComm messages to the peers' endpoints: on their outbound allow-list
    stack = await startTestStack({ outbound: new OutboundPolicy({ allowedHosts: [acapy, prover].map((agent) => new URL(agent.endpoint).host) }) })
  }, 90_000)
  afterAll(async () => {
    await Promise.all([acapy?.stop(), prover?.stop()])
    await stack?.close()
  })

  /** A wallet persona's DIDs: its did:jwk and the did:key of the same key its JSON-LD credentials are bound to. */
  async function walletPersona(id: string) {
    const { personas } = (await call('GET', `${stack.wallet.url}/personas`)).body as { personas: { id: string; holderDid: string }[] }
    const holderDid = personas.find((p) => p.id === id)!.holderDid
    return { holderDid: { jwk: holderDid, ldp: new DidKey(DidJwk.fromDid(holderDid).publicJwk).did } }
  }

  /** The lab issuer offers over an out-of-band invitation; ACA-Py asks for it bound to `holderDid`; resolves to ACA-Py's finished exchange. */
  async function issueToAcaPy(
    agent: AcaPyAgent,
    issuerKey: string,
    credentialType: string,
    claims: Record<string, unknown>,
    holderDid: string,
    connection: 'connectionless' | 'did-exchange' = 'connectionless',
  ) {
    const offer = await call('POST', `${stack.issuer.url}/issuers/${issuerKey}/offers`, { credentialType, claims, format: 'ldp_vc', protocol: 'didcomm', connection }, LOCAL_ADMIN_API_KEY)
    expect(offer.status).toBe(201)
    const invitation = invitationOf(String(offer.body.offerUri))
    await agent.admin.receiveInvitation(invitation)
    const offerThread = (invitation['requests~attach'] as { data: { base64: string } }[]).map(
      (a) => JSON.parse(Buffer.from(a.data.base64, 'base64').toString('utf8')) as { '~thread'?: { thid?: string; pthid?: string }; '@id': string },
    )[0]!
    const threadId = offerThread['~thread']?.thid ?? offerThread['@id']
    const [received] = await agent.admin.waitFor(
      'the offer arrives',
      () => agent.admin.credentialExchanges({ threadId }),
      (list) => list.some((r) => r.state === 'offer-received'),
    )
    await agent.admin.requestCredential(received!.cred_ex_id, holderDid)
    const [done] = await agent.admin.waitFor(
      'the credential is stored',
      () => agent.admin.credentialExchanges({ threadId }),
      (list) => list.some((r) => ['done', 'abandoned'].includes(r.state)),
    )
    return { exchange: done!, offerThread, invitation }
  }

  /** ACA-Py's connection made from the lab's invitation `invitationId` (DID Exchange 1.1), once complete. */
  async function connectionFrom(agent: AcaPyAgent, invitationId: string) {
    const completed = (c: { invitation_msg_id?: string | null; state: string }) => c.invitation_msg_id === invitationId && ['active', 'completed'].includes(c.state)
    return (
      await agent.admin.waitFor(
        'the DID Exchange connection completes',
        () => agent.admin.connections(),
        (list) => list.some(completed),
      )
    ).find(completed)!
  }

  it('lab issuer → ACA-Py holder: a connectionless offer (OOB with the offer attached) is accepted, and ACA-Py verifies and stores the credential', async () => {
    const holderDid = await acapy.admin.createDidKey()
    const { exchange, offerThread, invitation } = await issueToAcaPy(acapy, 'bc-person-credential', 'VerifiedPersonCredential', PERSON_CLAIMS, holderDid)
    // RFC 0434: the attached offer names the invitation as its parent thread
    expect(offerThread['~thread']?.pthid).toBe(invitation['@id'])
    expect(invitation.handshake_protocols).toBeUndefined()
    expect(exchange.state, acapy.errors()).toBe('done')
    const stored = (await acapy.admin.w3cCredentials()).find((c) => (c.cred_value.credentialSubject as { id?: string }).id === holderDid)
    expect(stored?.cred_value.credentialSubject).toEqual({ id: holderDid, ...PERSON_CLAIMS })
    // signed under the did:key of the jurisdiction's key (ACA-Py cannot read a did:jwk's JsonWebKey2020), with the status the offer announced
    const { issuers } = (await call('GET', `${stack.issuer.url}/vc-api/issuers`)).body as { issuers: { key: string; did: string }[] }
    expect(stored?.cred_value.issuer).toBe(issuers.find((i) => i.key === 'bc-person-credential')!.did)
    expect(stored?.cred_value.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' })
  })

  it("ACA-Py holder → lab verifier: ACA-Py answers the bank's connectionless request with credentials from the lab issuers, and the bank accepts", async () => {
    const holderDid = await prover.admin.createDidKey()
    await issueToAcaPy(prover, 'bc-registries', 'BusinessRegistrationCredential', BUSINESS_CLAIMS, holderDid)
    await issueToAcaPy(prover, 'bc-person-credential', 'VerifiedPersonCredential', PERSON_CLAIMS, holderDid)
    const verification = await call('POST', `${stack.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'ldp_vc', protocol: 'didcomm' })
    expect(verification.status).toBe(201)
    await prover.admin.receiveInvitation(invitationOf(String(verification.body.requestUri)))
    const decided = await prover.admin.waitFor(
      'the bank decides',
      async () => (await call('GET', `${stack.verifier.url}/verifications/${verification.body.id}`)).body,
      (answer) => answer.decision !== undefined,
    )
    const decision = decided.decision as { outcome: string; reasons: string[]; trace: { check: string; passed: boolean; message: string }[] }
    expect(decision.outcome, `${JSON.stringify(decision.trace, null, 1)}\n${prover.errors()}`).toBe('accepted')
    expect(decision.trace.filter((step) => step.check === 'holder-binding').map((step) => step.passed)).toEqual([true, true])
    expect(decision.trace.filter((step) => step.check === 'trust-registry').map((step) => step.passed)).toEqual([true, true])
    // ACA-Py signs its presentations with Ed25519Signature2018 under its did:key; the credentials are the lab issuers' (did:key, status announced)
    const [answered] = await prover.admin.presentationExchanges()
    expect(answered?.by_format?.pres?.dif).toMatchObject({ proof: { type: 'Ed25519Signature2018', verificationMethod: expect.stringMatching(new RegExp(`^${holderDid}#`)) } })
  })

  it("lab issuer → ACA-Py holder over a DID Exchange 1.1 connection: the lab's invitation asks for the handshake, ACA-Py connects, then the offer runs on the connection", async () => {
    const holderDid = await acapy.admin.createDidKey()
    const { exchange, offerThread, invitation } = await issueToAcaPy(acapy, 'bc-registries', 'BusinessRegistrationCredential', BUSINESS_CLAIMS, holderDid, 'did-exchange')
    expect(invitation.handshake_protocols).toEqual(['https://didcomm.org/didexchange/1.1'])
    expect(offerThread['~thread']?.pthid).toBe(invitation['@id'])
    const connection = await connectionFrom(acapy, String(invitation['@id']))
    expect(connection).toMatchObject({ their_label: 'BC Registries', connection_protocol: 'didexchange/1.1' })
    // RFC 0023: the lab's response names the invitation as parent thread, from which ACA-Py builds its `complete`
    // (without it: "DIDXComplete schema validation failed", no complete sent, the lab's side left response-sent)
    const completed = await acapy.admin.waitFor(
      "the lab's side completes",
      async () => (await stack.issuer.agent.didcomm.connections.getAll()).filter((c) => c.theirLabel === 'ACA-Py peer').map((c) => String(c.state)),
      (states) => states.includes('completed'),
    )
    expect(completed).toEqual(['completed'])
    expect(acapy.errors()).not.toMatch(/DIDXComplete schema validation failed/)
    // the exchange ran on that connection (ACA-Py's request and the lab's credential were sent over it), and ACA-Py stored the credential
    expect(exchange, acapy.errors()).toMatchObject({ state: 'done', connection_id: connection.connection_id })
    const stored = (await acapy.admin.w3cCredentials()).find((c) => (c.cred_value.credentialSubject as { id?: string }).id === holderDid)
    expect(stored?.cred_value.credentialSubject).toEqual({ id: holderDid, ...BUSINESS_CLAIMS })
  })

  it('ACA-Py holder → lab verifier over a DID Exchange 1.1 connection: ACA-Py connects to the bank, answers on the connection, and the bank accepts', async () => {
    // ACA-Py presents every stored credential that matches, and cannot sign for two subjects at once: only this holder's
    for (const { record_id } of await prover.admin.w3cCredentials()) await prover.admin.deleteW3cCredential(record_id)
    const holderDid = await prover.admin.createDidKey()
    await issueToAcaPy(prover, 'bc-registries', 'BusinessRegistrationCredential', BUSINESS_CLAIMS, holderDid, 'did-exchange')
    await issueToAcaPy(prover, 'bc-person-credential', 'VerifiedPersonCredential', PERSON_CLAIMS, holderDid, 'did-exchange')
    const verification = await call('POST', `${stack.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'ldp_vc', protocol: 'didcomm', connection: 'did-exchange' })
    expect(verification.status).toBe(201)
    const invitation = invitationOf(String(verification.body.requestUri))
    expect(invitation.handshake_protocols).toEqual(['https://didcomm.org/didexchange/1.1'])
    await prover.admin.receiveInvitation(invitation)
    const decided = await prover.admin.waitFor(
      'the bank decides',
      async () => (await call('GET', `${stack.verifier.url}/verifications/${verification.body.id}`)).body,
      (answer) => answer.decision !== undefined,
    )
    const decision = decided.decision as { outcome: string; trace: { check: string; passed: boolean }[] }
    expect(decision.outcome, `${JSON.stringify(decision.trace, null, 1)}\n${prover.errors()}`).toBe('accepted')
    expect(decision.trace.filter((step) => step.check === 'trust-registry').map((step) => step.passed)).toEqual([true, true])
    const connection = await connectionFrom(prover, String(invitation['@id']))
    // the presentation went over that connection
    const onConnection = (await prover.admin.presentationExchanges()).filter((exchange) => exchange.connection_id === connection.connection_id)
    expect(onConnection.map(({ role, state }) => ({ role, state }))).toEqual([{ role: 'prover', state: 'done' }])
  })

  it("ACA-Py's did:webvh resolver is asked for a lab jurisdiction's AnonCreds issuer DID: the offline lab on loopback is out of its reach (multi-label domain names over https only)", async () => {
    const { issuers } = (await call('GET', `${stack.issuer.url}/issuers`)).body as { issuers: { key: string; webvhDid: string }[] }
    const { webvhDid } = issuers.find((i) => i.key === 'bc-registries')!
    const refusal = await acapy.admin.resolveDid(webvhDid).then(
      () => undefined,
      (error: unknown) => error,
    )
    // did_webvh (ACA-Py's resolver library) takes a domain of two labels or more, and fetches the log over https: a
    // jurisdiction's did:webvh on a public https host is what ACA-Py resolves (not reachable from this offline machine)
    expect(refusal).toBeInstanceOf(AcaPyAdminError)
    expect((refusal as AcaPyAdminError).status).toBe(500)
    // the resolver's own refusal, in ACA-Py's log
    await acapy.admin.waitFor(
      'ACA-Py logs why',
      async () => acapy.errors(),
      (log) => /ValueError: Invalid domain name in method-specific ID/.test(log),
    )
  })

  it('refuses a connection option on an OpenID4VC offer (it is a DIDComm option)', async () => {
    const offer = await call(
      'POST',
      `${stack.issuer.url}/issuers/bc-person-credential/offers`,
      { credentialType: 'VerifiedPersonCredential', claims: PERSON_CLAIMS, format: 'dc+sd-jwt', connection: 'did-exchange' },
      LOCAL_ADMIN_API_KEY,
    )
    expect(offer.status).toBe(422)
    expect(offer.body.message).toMatch(/connection \(did-exchange\) is a DIDComm option/)
  })

  it("ACA-Py issuer → lab wallet: the wallet accepts ACA-Py's connectionless offer that leaves proofPurpose to its RFC 0593 default, and stores the credential", async () => {
    const issuerDid = await acapy.admin.createDidKey()
    const { holderDid } = await walletPersona('business-owner')
    const offer = await acapy.admin.offerCredential({
      credential: {
        '@context': LAB_CREDENTIAL_CONTEXTS,
        type: ['VerifiableCredential', 'VerifiedPersonCredential'],
        issuer: issuerDid,
        issuanceDate: new Date().toISOString(),
        credentialSubject: PERSON_CLAIMS,
      },
      // no proofPurpose: RFC 0593's default (assertionMethod) applies
      options: { proofType: 'Ed25519Signature2020' },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: offer.cred_ex_id, type: 'credential-offer' }] })
    const accepted = await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: invitation.invitation_url })
    expect(accepted.status, `${JSON.stringify(accepted.body)}\n${acapy.errors()}`).toBe(201)
    const [held] = accepted.body.credentials as { format: string; issuer: string; claims: Record<string, unknown> }[]
    expect(held).toMatchObject({ format: 'ldp_vc', issuer: issuerDid, claims: expect.objectContaining(PERSON_CLAIMS) })
    const [issued] = await acapy.admin.waitFor(
      'ACA-Py sees the exchange done',
      () => acapy.admin.credentialExchanges({ threadId: offer.thread_id }),
      (list) => list.some((r) => r.state === 'done'),
    )
    expect(issued!.state).toBe('done')
    // bound to the wallet's did:key (the same key as its did:jwk), which ACA-Py could resolve to verify a presentation
    const stored = (await acapy.admin.credentialExchanges({ threadId: offer.thread_id }))[0]
    expect(stored?.state).toBe('done')
    expect(JSON.stringify(await acapy.admin.issuedCredential(offer.cred_ex_id))).toContain(holderDid.ldp)
  })

  it("lab wallet → ACA-Py verifier: the wallet answers ACA-Py's connectionless DIF request (UUID challenge, expanded type IRI) and ACA-Py verifies the presentation", async () => {
    const { holderDid } = await walletPersona('business-owner')
    const offer = await call(
      'POST',
      `${stack.issuer.url}/issuers/bc-person-credential/offers`,
      { credentialType: 'VerifiedPersonCredential', claims: PERSON_CLAIMS, format: 'ldp_vc', protocol: 'didcomm' },
      LOCAL_ADMIN_API_KEY,
    )
    expect((await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: offer.body.offerUri })).status).toBe(201)
    const request = await acapy.admin.requestPresentation({
      options: { challenge: randomUUID(), domain: 'acapy.verifier.test' },
      presentation_definition: {
        id: randomUUID(),
        format: { ldp_vp: { proof_type: ['Ed25519Signature2020'] } },
        input_descriptors: [
          {
            id: 'person',
            name: 'Verified person',
            schema: [{ uri: 'https://interop-lab.ca/vocab#VerifiedPersonCredential' }],
            constraints: { fields: [{ path: ['$.credentialSubject.given_name'] }, { path: ['$.credentialSubject.family_name'] }] },
          },
        ],
      },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: request.pres_ex_id, type: 'present-proof' }] })
    const answer = await call('POST', `${stack.wallet.url}/personas/business-owner/presentations`, { requestUri: invitation.invitation_url })
    expect(answer.body, `${JSON.stringify(answer.body)}\n${acapy.errors()}`).toMatchObject({ submitted: true })
    const [verified] = await acapy.admin.waitFor(
      'ACA-Py verifies',
      () => acapy.admin.presentationExchanges({ threadId: request.thread_id }),
      (list) => list.some((r) => ['done', 'abandoned'].includes(r.state)),
    )
    expect(verified, acapy.errors()).toMatchObject({ state: 'done', verified: 'true' })
    const presentation = verified!.by_format?.pres?.dif as { proof?: { verificationMethod?: string; challenge?: string }; verifiableCredential?: { credentialSubject: { id?: string } }[] }
    // signed under the wallet's did:key, for ACA-Py's challenge
    expect(presentation.proof?.verificationMethod?.split('#')[0]).toBe(holderDid.ldp)
    expect(presentation.verifiableCredential?.[0]?.credentialSubject.id).toBe(holderDid.ldp)
  })

  it('refuses, with the RFC 0593 clause and a problem report (RFC 0035), a credential from ACA-Py carrying a credentialStatus its offer options did not announce', async () => {
    const issuerDid = await acapy.admin.createDidKey()
    const offer = await acapy.admin.offerCredential({
      credential: {
        '@context': LAB_CREDENTIAL_CONTEXTS,
        type: ['VerifiableCredential', 'VerifiedPersonCredential'],
        issuer: issuerDid,
        issuanceDate: new Date().toISOString(),
        credentialSubject: PERSON_CLAIMS,
        credentialStatus: UNANNOUNCED_STATUS,
      },
      options: { proofType: 'Ed25519Signature2020', proofPurpose: 'assertionMethod' },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: offer.cred_ex_id, type: 'credential-offer' }] })
    const started = Date.now()
    const refused = await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: invitation.invitation_url })
    expect(refused.status).toBe(422)
    expect(refused.body.message).toMatch(/RFC 0593: credentialStatus not in offer options/)
    // told at once, not after the wallet's 15 s wait for an answer
    expect(Date.now() - started).toBeLessThan(10_000)
    // the problem report reaches ACA-Py, which (1.6) takes issue-credential problem reports only on a connection
    await acapy.admin.waitFor(
      'ACA-Py receives the problem report',
      async () => acapy.errors(),
      (log) => /Connectionless not supported for credential problem report/.test(log),
    )
  })

  it('ACA-Py issuer → lab wallet over a DID Exchange 1.1 connection: the invitation asks for a handshake and carries the offer', async () => {
    const issuerDid = await acapy.admin.createDidKey()
    const offer = await acapy.admin.offerCredential({
      credential: {
        '@context': LAB_CREDENTIAL_CONTEXTS,
        type: ['VerifiableCredential', 'BusinessRegistrationCredential'],
        issuer: issuerDid,
        issuanceDate: new Date().toISOString(),
        credentialSubject: BUSINESS_CLAIMS,
      },
      options: { proofType: 'Ed25519Signature2020', proofPurpose: 'assertionMethod' },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: offer.cred_ex_id, type: 'credential-offer' }], handshake: true })
    expect(invitation.invitation.handshake_protocols).toEqual(['https://didcomm.org/didexchange/1.1'])
    const accepted = await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: invitation.invitation_url })
    expect(accepted.status, `${JSON.stringify(accepted.body)}\n${acapy.errors()}`).toBe(201)
    const connections = await acapy.admin.waitFor(
      'the connection is active',
      () => acapy.admin.connections(),
      (list) => list.some((c) => c.their_label === 'business-owner' && ['active', 'completed'].includes(c.state)),
    )
    const connection = connections.find((c) => c.their_label === 'business-owner')!
    const [issued] = await acapy.admin.waitFor(
      'ACA-Py sees the exchange done',
      () => acapy.admin.credentialExchanges({ threadId: offer.thread_id }),
      (list) => list.some((r) => r.state === 'done'),
    )
    expect(issued).toMatchObject({ state: 'done', connection_id: connection.connection_id })
  })

  it("over a DID Exchange connection the refusal reaches ACA-Py's exchange: abandoned, with the RFC 0593 reason (RFC 0035 problem report)", async () => {
    const issuerDid = await acapy.admin.createDidKey()
    const offer = await acapy.admin.offerCredential({
      credential: {
        '@context': LAB_CREDENTIAL_CONTEXTS,
        type: ['VerifiableCredential', 'VerifiedPersonCredential'],
        issuer: issuerDid,
        issuanceDate: new Date().toISOString(),
        credentialSubject: PERSON_CLAIMS,
        credentialStatus: UNANNOUNCED_STATUS,
      },
      options: { proofType: 'Ed25519Signature2020', proofPurpose: 'assertionMethod' },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: offer.cred_ex_id, type: 'credential-offer' }], handshake: true })
    const refused = await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: invitation.invitation_url })
    expect(refused.body.message).toMatch(/RFC 0593: credentialStatus not in offer options/)
    const [abandoned] = await acapy.admin.waitFor(
      'ACA-Py abandons the exchange',
      () => acapy.admin.credentialExchanges({ threadId: offer.thread_id }),
      (list) => list.some((r) => r.state === 'abandoned'),
    )
    expect(abandoned!.error_msg).toMatch(/issuance-abandoned.*RFC 0593: credentialStatus not in offer options/)
  })

  it('lab wallet → ACA-Py verifier over a DID Exchange 1.1 connection: ACA-Py verifies the presentation', async () => {
    const offer = await call(
      'POST',
      `${stack.issuer.url}/issuers/bc-registries/offers`,
      { credentialType: 'BusinessRegistrationCredential', claims: BUSINESS_CLAIMS, format: 'ldp_vc', protocol: 'didcomm' },
      LOCAL_ADMIN_API_KEY,
    )
    expect((await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: offer.body.offerUri })).status).toBe(201)
    const request = await acapy.admin.requestPresentation({
      options: { challenge: randomUUID() },
      presentation_definition: {
        id: randomUUID(),
        format: { ldp_vp: { proof_type: ['Ed25519Signature2020'] } },
        input_descriptors: [
          { id: 'business', schema: [{ uri: 'https://interop-lab.ca/vocab#BusinessRegistrationCredential' }], constraints: { fields: [{ path: ['$.credentialSubject.legal_name'] }] } },
        ],
      },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: request.pres_ex_id, type: 'present-proof' }], handshake: true })
    const answer = await call('POST', `${stack.wallet.url}/personas/business-owner/presentations`, { requestUri: invitation.invitation_url })
    expect(answer.body, `${JSON.stringify(answer.body)}\n${acapy.errors()}`).toMatchObject({ submitted: true })
    const [verified] = await acapy.admin.waitFor(
      'ACA-Py verifies',
      () => acapy.admin.presentationExchanges({ threadId: request.thread_id }),
      (list) => list.some((r) => ['done', 'abandoned'].includes(r.state)),
    )
    expect(verified, acapy.errors()).toMatchObject({ state: 'done', verified: 'true', connection_id: expect.any(String) })
  })

  it("ACA-Py as the verifier catches the lab's Mallory wallet: a tampered claim fails ACA-Py's verification (verified: false)", async () => {
    const offer = await call(
      'POST',
      `${stack.issuer.url}/issuers/bc-person-credential/offers`,
      { credentialType: 'VerifiedPersonCredential', claims: PERSON_CLAIMS, format: 'ldp_vc', protocol: 'didcomm' },
      LOCAL_ADMIN_API_KEY,
    )
    expect((await call('POST', `${stack.wallet.url}/personas/business-owner/offers`, { offerUri: offer.body.offerUri })).status).toBe(201)
    const request = await acapy.admin.requestPresentation({
      options: { challenge: randomUUID() },
      presentation_definition: {
        id: randomUUID(),
        format: { ldp_vp: { proof_type: ['Ed25519Signature2020'] } },
        input_descriptors: [{ id: 'person', schema: [{ uri: 'https://interop-lab.ca/vocab#VerifiedPersonCredential' }], constraints: { fields: [{ path: ['$.credentialSubject.given_name'] }] } }],
      },
    })
    const invitation = await acapy.admin.createInvitation({ attachments: [{ id: request.pres_ex_id, type: 'present-proof' }], handshake: true })
    const answer = await call('POST', `${stack.wallet.url}/personas/business-owner/presentations`, { requestUri: invitation.invitation_url, fault: { kind: 'tamper' } })
    expect(answer.body).toMatchObject({ submitted: true, fault: { kind: 'tamper' } })
    const [checked] = await acapy.admin.waitFor(
      'ACA-Py checks the presentation',
      () => acapy.admin.presentationExchanges({ threadId: request.thread_id }),
      (list) => list.some((r) => ['done', 'abandoned'].includes(r.state)),
    )
    expect(checked).toMatchObject({ verified: 'false' })
    // ACA-Py acknowledges even a presentation it did not verify: the holder is not told (a peer behaviour, see README)
    expect(checked!.state).toBe('done')
    expect(answer.body.verifierResponse).toMatchObject({ state: 'done' })
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Agent } from '@credo-ts/core'
import { DidCommMessageSender, type DidCommProofExchangeRecord, DidCommProofsModuleConfig, DidCommProofState, getOutboundDidCommMessageContext } from '@credo-ts/didcomm'
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_ADMIN_API_KEY } from '@interop-lab/common/config'
import { databaseConfigFor } from '@interop-lab/common/db'
import type { DidCommModules } from '@interop-lab/common/didcomm/modules'
import { guardedFetch } from '@interop-lab/common/net/guardedFetch'
import { OutboundPolicy, OutboundRequestError } from '@interop-lab/common/net/outboundPolicy'
import { envelope } from '@interop-lab/common/vc2'
import { onboardIssuers } from '@interop-lab/scenarios/onboarding'
import { runVariant } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { queryAuthorization, TrustRegistryError } from '@interop-lab/trust-registry/client'
import { configuredKeyPin } from '@interop-lab/trust-registry/keyPin'
import { startTrustRegistry } from '@interop-lab/trust-registry'
import { startVerifierService } from '@interop-lab/verifier'
import { startWalletService, type WalletService } from '@interop-lab/wallet-sim'
import { freePort } from './support/serviceProcess'
import { startTestStack } from './support/stack'

/**
 * Issue 13, "server-side requests an attacker chooses": every URL that comes from outside (a credential's status list,
 * a did:web, a DIDComm `~service`) is fetched only from the lab's own services and configured hosts. The attacker's
 * target is a real HTTP server on loopback, on a port no service was told about, that counts every TCP connection.
 */

interface Target {
  url: string
  host: string
  /** TCP connections accepted (a TLS attempt on this plain-http port counts too). */
  connections: number
  requests: string[]
  close(): Promise<void>
}

const BANNER = 'internal-admin-console-v3'

async function startTarget(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 404, body: BANNER })): Promise<Target> {
  const target = { connections: 0, requests: [] as string[] }
  const server = createServer((req, res) => {
    target.requests.push(`${req.method} ${req.url}`)
    const { status, headers, body } = answer(req.url ?? '/')
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body)
  })
  server.on('connection', () => target.connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return Object.assign(target, {
    url: `http://${host}`,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}

const admin = { 'content-type': 'application/json', authorization: `Bearer ${LOCAL_ADMIN_API_KEY}` }
async function post(url: string, body: unknown, headers: Record<string, string> = admin) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) })
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> }
}

/** The attacker: her own Ed25519 key pair; she signs whatever she likes. */
async function attackerKey() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const jwk = await exportJWK(publicKey)
  const did = `did:jwk:${Buffer.from(JSON.stringify({ ...jwk, alg: 'EdDSA' } satisfies JWK)).toString('base64url')}`
  const sign = (payload: object, header: Record<string, unknown>) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', ...header }).sign(privateKey)
  return { did, sign }
}

/** A VC-JOSE credential (VCDM 2.0) the attacker issued herself, its status list at `statusUrl`. */
async function selfIssuedCredential(statusUrl: string, issuer?: { did: string; kid: string }) {
  const attacker = await attackerKey()
  const did = issuer?.did ?? attacker.did
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: did,
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    credentialSubject: { id: 'did:example:subject' },
    credentialStatus: { id: `${statusUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: statusUrl },
  }
  return envelope(await attacker.sign(credential, { typ: 'vc+jwt', kid: issuer?.kid ?? `${did}#0` }), 'credential')
}

const banking = loadScenarios().find((scenario) => scenario.id === 'business-banking')!
let stack: Awaited<ReturnType<typeof startTestStack>>
let target: Target
beforeAll(async () => {
  stack = await startTestStack()
  target = await startTarget()
})
afterAll(async () => {
  await target?.close()
  await stack?.close()
})

describe('status lists named by a credential', () => {
  it('never fetches a status list from a host that is not allowed, and says nothing of what it would answer', async () => {
    const statusUrl = `${target.url}/status/1`
    const before = target.connections
    const { status, body } = await post(`${stack.verifier.url}/credentials/verify`, { verifiableCredential: await selfIssuedCredential(statusUrl) })
    expect(status).toBe(400)
    expect(target.connections).toBe(before)
    // Bitstring Status List §3.2 step 4: the list could not be retrieved — and only that
    const problems = (body.errors ?? []) as { type: string; detail: string }[]
    expect(problems).toContainEqual(expect.objectContaining({ type: expect.stringMatching(/STATUS_RETRIEVAL_ERROR/), detail: `Status list ${statusUrl} could not be fetched` }))
    // the body names the list's URL, whose random port may hold the digits 404: the status code is looked for as a word
    expect(JSON.stringify(body)).not.toMatch(/allow-list|\b404\b|ECONNREFUSED|fetch failed/)
  })

  it('fetches it once the host is allowed (--allow-outbound), still without echoing the answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'interop-outbound-'))
    const verifier = await startVerifierService({
      dataDir,
      database: databaseConfigFor('verifier', dataDir, {}),
      trust: async () => ({ authorized: false, message: 'no registry in this test' }),
      adminApiKeys: [LOCAL_ADMIN_API_KEY],
      outbound: new OutboundPolicy({ allowedHosts: [target.host] }),
    })
    try {
      const { body } = await post(`${verifier.url}/credentials/verify`, { verifiableCredential: await selfIssuedCredential(`${target.url}/status/allowed`) })
      expect(target.requests).toContain('GET /status/allowed')
      expect(JSON.stringify(body)).not.toContain(BANNER)
      expect(JSON.stringify(body)).not.toMatch(/HTTP 404/)
    } finally {
      await verifier.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('did:web', () => {
  const webDid = () => `did:web:127.0.0.1%3A${new URL(target.url).port}`

  it('resolves no did:web on a host that is not allowed (a credential issuer, on the verifier)', async () => {
    const before = target.connections
    const did = webDid()
    const { status, body } = await post(`${stack.verifier.url}/credentials/verify`, {
      verifiableCredential: await selfIssuedCredential(`${stack.issuer.url}/status-lists/x`, { did, kid: `${did}#key-1` }),
    })
    expect(status).toBe(400)
    expect(target.connections).toBe(before)
    expect(JSON.stringify(body)).toContain(`${did} could not be resolved`)
  })

  it('resolves no did:web named by an OID4VCI proof kid (on the issuer)', async () => {
    const claims = { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }
    const offer = await post(`${stack.issuer.url}/issuers/bc-person-credential/offers`, { credentialType: 'VerifiedPersonCredential', format: 'dc+sd-jwt', claims })
    const offerUri = new URL(String(offer.body.offerUri).replace('openid-credential-offer://', 'https://wallet.invalid/')).searchParams.get('credential_offer_uri')!
    const credentialOffer = (await (await fetch(offerUri)).json()) as { credential_issuer: string; credential_configuration_ids: string[]; grants: Record<string, { 'pre-authorized_code': string }> }
    const issuer = credentialOffer.credential_issuer
    const grant = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
    const tokenBody = new URLSearchParams({ grant_type: grant, 'pre-authorized_code': credentialOffer.grants[grant]['pre-authorized_code'], tx_code: String(offer.body.txCode) })
    const token = (await (await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: tokenBody })).json()) as {
      access_token: string
      c_nonce: string
    }
    // OID4VCI 1.0 §8.2.1.1: the proof's kid names the holder's key, here a did:web on the target
    const attacker = await attackerKey()
    const proof = await attacker.sign({ aud: issuer, iat: Math.floor(Date.now() / 1000), nonce: token.c_nonce }, { typ: 'openid4vci-proof+jwt', kid: `${webDid()}#key-1` })
    const before = target.connections
    const response = await fetch(`${issuer}/credential`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` },
      body: JSON.stringify({ credential_configuration_id: credentialOffer.credential_configuration_ids[0], proofs: { jwt: [proof] } }),
    })
    expect(response.status).toBe(400)
    expect(target.connections).toBe(before)
    // refused before any resolution: did:web is not among the configuration's cryptographic_binding_methods_supported
    expect(await response.json()).toMatchObject({ error: 'invalid_proof', error_description: expect.stringMatching(/did:web.*cryptographic_binding_methods_supported/) })
  })

  it('answers a medical certificate signed "by" a did:web the same for an open and a closed port, without contacting either', async () => {
    const attacker = await attackerKey()
    const closedPort = await freePort()
    const certificate = (did: string) =>
      attacker.sign({ registrar: 'nl-vital-statistics', jurisdiction: 'CA-NL', iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() }, { typ: 'mccd+jwt', kid: `${did}#key-1` })
    const submit = async (did: string) =>
      post(`${stack.issuer.url}/registrars/nl-vital-statistics/medical-certificates`, { certificate: await certificate(did) }, { 'content-type': 'application/json' })
    const before = target.connections
    const open = await submit(webDid())
    const closed = await submit(`did:web:127.0.0.1%3A${closedPort}`)
    expect(target.connections).toBe(before)
    // RFC 7515 §5.2: the signature is not verified; why resolving the key failed is the issuer's log's business, not the caller's
    expect(open).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_signature' }) })
    expect(closed.body.message).toBe(open.body.message)
    expect(JSON.stringify(open.body)).not.toMatch(/ECONNREFUSED|fetch failed|SSL|socket|Bad response|allow-list|127\.0\.0\.1/)
  })
})

/**
 * Answers a DIDComm presentation request the way any holder may: a genuine presentation that asks for no return route
 * (Aries RFC 0092 makes it optional), so the verifier sends its answer to the presentation's `~service` endpoint.
 */
async function presentWithoutReturnRoute(agent: Agent<DidCommModules>, requestUri: string): Promise<void> {
  const invitation = await agent.didcomm.oob.parseInvitation(requestUri)
  await agent.didcomm.oob.receiveInvitation(invitation, { label: 'holder' })
  const threadId = String((invitation.getRequests()?.[0]?.['~thread'] as { thid?: string } | undefined)?.thid ?? invitation.getRequests()?.[0]?.['@id'])
  let request: DidCommProofExchangeRecord | undefined
  await expect
    .poll(async () => {
      request = (await agent.didcomm.proofs.findAllByQuery({ threadId }))[0]
      return request?.state
    })
    .toBe(DidCommProofState.RequestReceived)
  const { proofFormats } = await agent.didcomm.proofs.selectCredentialsForRequest({ proofExchangeRecordId: request!.id })
  const protocol = agent.dependencyManager.resolve(DidCommProofsModuleConfig).proofProtocols.find((p) => p.version === request!.protocolVersion)!
  const requestMessage = await protocol.findRequestMessage(agent.context, request!.id)
  const { message } = await protocol.acceptRequest(agent.context, { proofRecord: request!, proofFormats })
  const outbound = await getOutboundDidCommMessageContext(agent.context, { message, associatedRecord: request, lastReceivedMessage: requestMessage! })
  outbound.serviceParams = { ...outbound.serviceParams!, returnRoute: false }
  await agent.dependencyManager.resolve(DidCommMessageSender).sendMessage(outbound)
}

describe('DIDComm ~service endpoints', () => {
  let wallet: WalletService | undefined
  let walletDir: string
  afterAll(async () => {
    await wallet?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('sends nothing to a presentation’s ~service on a host that is not allowed', async () => {
    walletDir = mkdtempSync(join(tmpdir(), 'interop-outbound-wallet-'))
    const port = await freePort()
    const databaseFor = (id: string) => databaseConfigFor(`wallet_${id}`, walletDir, {})
    const personas = [{ id: 'business-owner', name: { en: 'Alex Tremblay', fr: 'Alex Tremblay' } }]
    // a holder whose DIDComm endpoint is real receives both credentials…
    wallet = await startWalletService({ port, dataDir: walletDir, databaseFor, personas })
    const offers = [
      [
        'bc-registries',
        'BusinessRegistrationCredential',
        {
          business_number: 'BC7654321',
          legal_name: 'Pike Fisheries Ltd.',
          registration_status: 'ACTIVE',
          registration_date: '2019-04-12',
          business_type: 'BC Company',
          jurisdiction: 'CA-BC',
          representative_given_name: 'Alex',
          representative_family_name: 'Tremblay',
          representative_role: 'Director',
        },
      ],
      ['bc-person-credential', 'VerifiedPersonCredential', { given_name: 'Alex', family_name: 'Tremblay', birth_date: '1984-07-02', identity_assurance_level: 'IAL2', jurisdiction: 'CA-BC' }],
    ] as const
    for (const [issuer, credentialType, claims] of offers) {
      const offer = await post(`${stack.issuer.url}/issuers/${issuer}/offers`, { credentialType, format: 'ldp_vc', protocol: 'didcomm', claims })
      expect(offer.status, JSON.stringify(offer.body)).toBe(201)
      const accepted = await post(`${wallet.url}/personas/business-owner/offers`, { offerUri: offer.body.offerUri, txCode: offer.body.txCode }, { 'content-type': 'application/json' })
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201)
    }
    // …then announces the attacker's server as its DIDComm endpoint, and asks for no return route
    await wallet.close()
    wallet = await startWalletService({ port, dataDir: walletDir, databaseFor, personas, publicUrl: target.url })
    const verification = await post(`${stack.verifier.url}/verifications`, { policyId: 'open-business-account', format: 'ldp_vc', protocol: 'didcomm' })
    expect(verification.status, JSON.stringify(verification.body)).toBe(201)
    const before = target.requests.length
    // the persona's own Credo agent (a private field of the simulator: this test plays a holder that is not the simulator)
    const holder = (wallet.wallets.get('business-owner') as unknown as { agent: Agent<DidCommModules> }).agent
    await presentWithoutReturnRoute(holder, String(verification.body.requestUri))
    // the verifier verified the presentation and answered it (an ack, Aries RFC 0015): to the ~service, or nowhere
    await expect.poll(async () => ((await (await fetch(`${stack.verifier.url}/verifications/${verification.body.id}`)).json()) as { state?: string }).state, { timeout: 20_000 }).toBe('done')
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(target.requests.slice(before).filter((request) => request.startsWith('POST'))).toEqual([])
  }, 60_000)
})

describe('the outbound guard itself', () => {
  it('refuses file:, data: and other schemes, plain http beyond loopback, and hosts not allowed — before any connection', async () => {
    const fetchAllowed = guardedFetch(new OutboundPolicy({ allowedHosts: ['registry.example'] }))
    const codeOf = (url: string) =>
      fetchAllowed(url).then(
        () => 'fetched',
        (error: unknown) => (error instanceof OutboundRequestError ? error.code : String(error)),
      )
    expect(await codeOf('file:///etc/passwd')).toBe('not_allowed')
    expect(await codeOf('data:text/plain,hello')).toBe('not_allowed')
    expect(await codeOf('ftp://registry.example/x')).toBe('not_allowed')
    expect(await codeOf('http://registry.example/x')).toBe('not_allowed') // https is required outside loopback
    expect(await codeOf('https://user:secret@registry.example/x')).toBe('not_allowed')
    const before = target.connections
    expect(await codeOf(`${target.url}/x`)).toBe('not_allowed')
    expect(target.connections).toBe(before)
  })

  it('follows a redirect within the origin only, and stops reading a body past its size bound', async () => {
    const elsewhere = await startTarget()
    const redirecting = await startTarget((path) =>
      path === '/away'
        ? { status: 302, headers: { location: `${elsewhere.url}/secret` } }
        : path === '/here'
          ? { status: 302, headers: { location: '/list' } }
          : path === '/big'
            ? { status: 200, body: 'x'.repeat(4096) }
            : { status: 200, body: 'list' },
    )
    try {
      const fetchGuarded = guardedFetch(new OutboundPolicy({ allowedHosts: [redirecting.host, elsewhere.host] }), { maxBytes: 1024 })
      expect(await (await fetchGuarded(`${redirecting.url}/here`)).text()).toBe('list')
      await expect(fetchGuarded(`${redirecting.url}/away`)).rejects.toMatchObject({ code: 'redirect_refused' })
      expect(elsewhere.connections).toBe(0)
      await expect(fetchGuarded(`${redirecting.url}/big`)).rejects.toMatchObject({ code: 'too_large', message: 'The URL could not be fetched' })
    } finally {
      await elsewhere.close()
      await redirecting.close()
    }
  })

  it('refuses to start a service whose peers are named by plain http beyond loopback', () => {
    expect(() => new OutboundPolicy().allowing('http://registry.example')).toThrow(/plain http.*--allow-insecure-http/)
    expect(() => new OutboundPolicy({ allowInsecureHttp: true }).allowing('http://registry.example')).not.toThrow()
    expect(() => new OutboundPolicy().allowing('https://registry.example', 'http://127.0.0.1:4100')).not.toThrow()
  })
})

describe('trust registry key pinning', () => {
  it('refuses the answers of a registry whose key changed after the first use', async () => {
    const certificate = {
      registrar: 'nl-vital-statistics',
      certifier_role: 'physician',
      jurisdiction: 'CA-NL',
      deceased: { given_name: 'Ada', family_name: 'Pike', birth_date: '1950-05-05' },
      date_of_death: '2026-11-20',
      place_of_death: 'Corner Brook, NL',
      cause_of_death: 'Pneumonia',
    }
    const certify = () => post(`${stack.issuer.url}/certifiers/nl-medical-examiner/certificates`, { certificate })
    const openAccount = async () => (await runVariant(stack.endpoints, banking, undefined, 'dc+sd-jwt')).steps
    // first use: the issuer, the wallet and the verifier pin the registry's key (the services in their databases)
    expect((await certify()).status).toBe(201)
    const opened = await openAccount()
    expect(opened.every((step) => step.passed) && opened.at(-1)!.decision?.outcome, JSON.stringify(opened.filter((step) => !step.passed))).toBe('accepted')

    // an impostor at the registry's address: same governance, genuine-looking signed answers, another key
    const port = Number(new URL(stack.trustRegistry.url).port)
    await stack.trustRegistry.close()
    // its data directory is inside the stack's, removed with it
    const impostorDir = mkdtempSync(join(stack.dataDir, 'impostor-'))
    stack.trustRegistry = await startTrustRegistry({ port, dataDir: impostorDir, adminApiKeys: [LOCAL_ADMIN_API_KEY], database: databaseConfigFor('trust_registry', impostorDir, {}) })
    await onboardIssuers(stack.issuer.url, stack.trustRegistry.url, LOCAL_ADMIN_API_KEY)
    // jose fetches a registry's JWKS again at most every 5 s: past that, the new key verifies its own answers
    await new Promise((resolve) => setTimeout(resolve, 5_200))
    const refused = await certify()
    expect(refused.status, JSON.stringify(refused.body)).toBe(403)
    expect(refused.body.message).toMatch(/signed with key \S+, not the key \S+ pinned on first use.*--trust-registry-key/)
    // whichever party asks the registry first refuses its answer: the wallet checking a credential it receives, or the bank
    const refusedAt = (await openAccount()).find((step) => !step.passed)
    expect(refusedAt, "the account was opened on the impostor's answers").toBeDefined()
    expect(JSON.stringify(refusedAt)).toMatch(/signed with key \S+, not the key \S+ pinned on first use/)
    if (refusedAt!.decision) expect(refusedAt!.decision.outcome).toBe('rejected')
  }, 60_000)

  it('refuses a registry whose key is not the one configured (--trust-registry-key)', async () => {
    const query = { entity_id: 'did:example:anyone', authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential' }
    const error = await queryAuthorization(stack.trustRegistry.url, query, { keyPin: configuredKeyPin('not-the-registry-key') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrustRegistryError)
    expect(error).toMatchObject({ reason: 'key-changed', message: expect.stringMatching(/not the key not-the-registry-key configured for it/) })
  })
})

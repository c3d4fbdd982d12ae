import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeDisclosure } from '@meeco/sd-jwt'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labIssuer, labWallet } from '@interop-lab/scenarios/drivers/lab'
import { checkSdJwtPresentation } from '@interop-lab/scenarios/drivers/sdjwtCheck'
import { type HolderKey, makeHolderKey, presentSdJwt, redeemWithSphereon, sphereonWallet } from '@interop-lab/scenarios/drivers/sphereonWallet'
import { DriverError } from '@interop-lab/scenarios/drivers/types'
import { startSphereonIssuer, type SphereonIssuer } from '@interop-lab/scenarios/peers/sphereon/issuer'
import type { RunReport } from '@interop-lab/scenarios/report'
import type { VariantResult } from '@interop-lab/scenarios/runner'
import { loadScenarios } from '@interop-lab/scenarios/scenario'
import { freePort, runScript } from './support/serviceProcess'
import { startTestStack } from './support/stack'

/**
 * Independent OID4VC implementations from npm as parties, each against the real library: the Sphereon OID4VCI client
 * redeems the lab issuer's offers, the Sphereon OID4VCI issuer issues to the lab wallet, and @meeco/sd-jwt verifies
 * the lab's SD-JWT VC. Then the matrix crosses them through scenarios/main.ts --targets.
 */

const REPO = join(import.meta.dirname, '..')
const banking = loadScenarios().find((s) => s.id === 'business-banking')!
const issueStep = banking.steps.find((s) => s.action === 'issue' && s.credentialType === 'BusinessRegistrationCredential') as { claims: Record<string, unknown> }
const registration = (format: 'dc+sd-jwt' | 'jwt_vc_json') => ({
  issuer: 'bc-registries',
  credentialType: 'BusinessRegistrationCredential',
  claims: issueStep.claims,
  format,
  protocol: 'oid4vc' as const,
})
const demoKeys = JSON.parse(readFileSync(join(REPO, 'scenarios', 'peers', 'sphereon', 'demo-keys.json'), 'utf8')) as Record<string, JWK>
const jsonPart = (jwt: string, index: number) => JSON.parse(Buffer.from(jwt.split('.')[index], 'base64url').toString('utf8')) as Record<string, unknown>

let stack: Awaited<ReturnType<typeof startTestStack>>
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-third-party-'))
  stack = await startTestStack()
}, 120_000)
afterAll(async () => {
  await stack?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('lab issuer → Sphereon OID4VCI client (@sphereon/oid4vci-client) as the wallet', () => {
  it.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('redeems a lab offer for %s with the pre-authorized code and tx_code, and the lab issuer sees it redeemed', async (format) => {
    const issuer = labIssuer(stack.endpoints.issuer, stack.endpoints.adminApiKey)
    const wallet = sphereonWallet('test')
    const offer = await issuer.offer(registration(format))
    expect(await wallet.acceptOffer('business-owner', offer)).toBe(1)
    expect(await offer.redeemed!()).toBe(true)
    const [received] = wallet.held('business-owner')
    const { issuers } = (await (await fetch(`${stack.endpoints.issuer}/issuers`)).json()) as { issuers: { key: string; did: string }[] }
    const signedBy = issuers.find((i) => i.key === 'bc-registries')!.did
    const issuerJwt = jsonPart((received.credential as string).split('~')[0], 1)
    expect(issuerJwt.iss).toBe(signedBy)
    expect(received.format).toBe(format)
  })

  it('is refused by the lab issuer with a wrong tx_code (OID4VCI 1.0 §6.1), naming the token request (the Sphereon client keeps the error body to its debug log)', async () => {
    const offer = await labIssuer(stack.endpoints.issuer, stack.endpoints.adminApiKey).offer(registration('dc+sd-jwt'))
    const wrong = offer.txCode === '000000' ? '111111' : '000000'
    const failure = await redeemWithSphereon(offer.offerUri, wrong, await makeHolderKey()).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DriverError)
    expect((failure as DriverError).message, (failure as Error).message).toMatch(/token request \(pre-authorized code grant, OID4VCI 1\.0 §6\): .*failed with status: 400/)
  })
})

describe("@meeco/sd-jwt verifies the lab's SD-JWT VC (sdjwt-check)", () => {
  let credential = ''
  let holder: HolderKey
  const request = { nonce: 'n-0S6_WzA2Mj', audience: 'sdjwt-check:test' }

  beforeAll(async () => {
    holder = await makeHolderKey()
    const offer = await labIssuer(stack.endpoints.issuer, stack.endpoints.adminApiKey).offer(registration('dc+sd-jwt'))
    const [received] = await redeemWithSphereon(offer.offerUri, offer.txCode, holder)
    credential = received.credential as string
  })

  it("accepts the lab's credential: issuer signature under its did:jwk, every disclosure, the key binding JWT", async () => {
    const result = await checkSdJwtPresentation(await presentSdJwt(credential, holder, request), request)
    expect(result, JSON.stringify(result)).toMatchObject({ accepted: true, claims: { legal_name: issueStep.claims.legal_name, business_number: issueStep.claims.business_number } })
  })

  it('carries at least 128 bits of randomness in every disclosure salt (RFC 9901 §4.2.1), each salt its own', () => {
    const salts = credential
      .split('~')
      .slice(1)
      .filter(Boolean)
      .map((disclosure) => (JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8')) as [string])[0])
    expect(salts.length).toBeGreaterThan(2)
    for (const salt of salts) expect(Buffer.from(salt, 'base64url').length, salt).toBeGreaterThanOrEqual(16)
    expect(new Set(salts).size).toBe(salts.length)
  })

  it('refuses a disclosure whose value was altered (RFC 9901 §7.1 step 3: its digest is not one the issuer signed)', async () => {
    const [jwt, ...disclosures] = credential.split('~').filter(Boolean)
    const index = disclosures.findIndex((d) => decodeDisclosure(d).key === 'legal_name')
    const [salt] = JSON.parse(Buffer.from(disclosures[index], 'base64url').toString('utf8')) as [string]
    disclosures[index] = Buffer.from(JSON.stringify([salt, 'legal_name', 'Mallory Holdings Ltd.'])).toString('base64url')
    const tampered = await presentSdJwt(`${jwt}~${disclosures.join('~')}~`, holder, request)
    expect(await checkSdJwtPresentation(tampered, request)).toMatchObject({ accepted: false, failedCheck: 'disclosures' })
  })

  it("refuses an issuer JWT whose payload was changed (RFC 9901 §7.1 step 2: the signature under the issuer's key fails)", async () => {
    const [jwt, ...rest] = credential.split('~')
    const [header, payload, signature] = jwt.split('.')
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), vct: 'https://mallory.example/vct' })).toString('base64url')
    const result = await checkSdJwtPresentation(await presentSdJwt([`${header}.${changed}.${signature}`, ...rest].join('~'), holder, request), request)
    expect(result).toMatchObject({ accepted: false, failedCheck: 'signature' })
  })

  it('refuses a key binding JWT for another nonce, or signed by a key other than cnf (RFC 9901 §7.3)', async () => {
    const replayed = await checkSdJwtPresentation(await presentSdJwt(credential, holder, { ...request, nonce: 'another' }), request)
    expect(replayed).toMatchObject({ accepted: false, failedCheck: 'nonce' })
    const stolen = await checkSdJwtPresentation(await presentSdJwt(credential, await makeHolderKey(), request), request)
    expect(stolen).toMatchObject({ accepted: false, failedCheck: 'holder-binding' })
  })
})

describe('Sphereon OID4VCI issuer (@sphereon/oid4vci-issuer) → lab wallet', () => {
  let sphereon: SphereonIssuer
  beforeAll(async () => {
    sphereon = await startSphereonIssuer({ keys: demoKeys })
  })
  afterAll(async () => {
    await sphereon?.close()
  })

  it.each(['dc+sd-jwt', 'jwt_vc_json'] as const)('issues %s that the lab wallet (Credo) accepts and stores as signed by the Sphereon DID', async (format) => {
    const { issuer: _issuer, protocol: _protocol, ...body } = registration(format)
    const response = await fetch(`${sphereon.url}/issuers/bc-registries/offers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(response.status).toBe(201)
    const offer = (await response.json()) as { offerUri: string; txCode: string }
    const wallet = labWallet(stack.endpoints.wallet)
    await wallet.reset(['business-owner'])
    expect(await wallet.acceptOffer('business-owner', offer)).toBe(1)
    const { credentials } = (await (await fetch(`${stack.endpoints.wallet}/personas/business-owner/credentials`)).json()) as { credentials: { format: string; issuer: string }[] }
    expect(credentials).toEqual([expect.objectContaining({ format, issuer: await sphereon.didOf('bc-registries') })])
  })

  it('is refused by the lab wallet when the tx_code is wrong (the Sphereon token endpoint answers invalid_grant)', async () => {
    const { issuer: _issuer, protocol: _protocol, ...body } = registration('dc+sd-jwt')
    const offer = (await (await fetch(`${sphereon.url}/issuers/bc-registries/offers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as {
      offerUri: string
      txCode: string
    }
    const wrong = offer.txCode === '000000' ? '111111' : '000000'
    await expect(labWallet(stack.endpoints.wallet).acceptOffer('business-owner', { offerUri: offer.offerUri, txCode: wrong })).rejects.toThrow(/422/)
  })
})

describe('npm run pilots -- --targets scenarios/targets.sphereon*.json: lab × Sphereon × meeco cells', () => {
  let host: ChildProcess
  const reports: Record<string, { report: RunReport; exit: { code: number | null; output: string } }> = {}
  const cell = (file: string, variantId: string, format: string, wallet: string, verifier: string) =>
    reports[file].report.results.find((r) => r.variantId === variantId && r.format === format && r.implementations.wallet === wallet && r.implementations.verifier === verifier) as VariantResult

  beforeAll(async () => {
    const port = await freePort()
    host = spawn(process.execPath, ['--import', 'tsx', 'scenarios/peers/sphereon/main.ts', '--port', String(port)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    await new Promise<void>((resolve, reject) => {
      let output = ''
      host.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('listening at')) resolve()
      })
      host.once('exit', (code) => reject(new Error(`the Sphereon issuer exited (${code}): ${output}`)))
    })
    for (const file of ['targets.sphereon.json', 'targets.sphereon-wallet.json']) {
      const targets = readFileSync(join(REPO, 'scenarios', file), 'utf8').replaceAll('http://127.0.0.1:4700', `http://127.0.0.1:${port}`)
      writeFileSync(join(dir, file), targets)
      const out = join(dir, `reports-${file}`)
      const portBase = 20_000 + Math.floor(Math.random() * 300) * 100
      const exit = await runScript(
        'scenarios/main.ts',
        [
          '--once',
          '--targets',
          join(dir, file),
          '--scenario',
          'business-banking',
          '--protocol',
          'oid4vc',
          '--data-dir',
          join(dir, `data-${file}`),
          '--reports-dir',
          out,
          '--port-base',
          String(portBase),
        ],
        { ...process.env, INTEROP_DATABASE_URL: '' },
      )
      reports[file] = { exit, report: JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as RunReport }
    }
  }, 600_000)
  afterAll(() => {
    host?.kill('SIGTERM')
  })

  it.each(['dc+sd-jwt', 'jwt_vc_json'])('Sphereon issuer → lab wallet → lab verifier, %s: the bank accepts, refuses an issuer the registry does not know and an expired credential', (format) => {
    const baseline = cell('targets.sphereon.json', 'baseline', format, 'lab', 'lab')
    expect(baseline.implementations.issuer).toBe('oid4vci-http@sphereon-issuer')
    expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
    const untrusted = cell('targets.sphereon.json', 'untrusted-issuer', format, 'lab', 'lab')
    expect(untrusted.status, JSON.stringify(untrusted.failure)).toBe('pass')
    expect(untrusted.steps.at(-1)!.summary).toContain('rejected')
    const expired = cell('targets.sphereon.json', 'expired-credential', format, 'lab', 'lab')
    expect(expired.status, JSON.stringify(expired.failure)).toBe('pass')
  })

  it('a wallet and a verifier that share no way to present make an unsupported cell, with both ways named', () => {
    const sphereonToLab = cell('targets.sphereon-wallet.json', 'baseline', 'dc+sd-jwt', 'sphereon-wallet@sphereon-wallet', 'lab')
    expect(sphereonToLab.status).toBe('unsupported')
    expect(sphereonToLab.failure?.reason).toBe('wallet sphereon-wallet@sphereon-wallet presents over sd-jwt-handoff, verifier lab asks over the protocol itself')
    const labToMeeco = cell('targets.sphereon.json', 'baseline', 'dc+sd-jwt', 'lab', 'sdjwt-check@meeco')
    expect(labToMeeco.status).toBe('unsupported')
  })

  it("lab issuer → Sphereon wallet → meeco: the lab's SD-JWT VC verifies elsewhere (jwt_vc_json: unsupported by sdjwt-check)", () => {
    const baseline = cell('targets.sphereon-wallet.json', 'baseline', 'dc+sd-jwt', 'sphereon-wallet@sphereon-wallet', 'sdjwt-check@meeco')
    expect(baseline.status, JSON.stringify(baseline.failure)).toBe('pass')
    expect(baseline.steps.filter((step) => step.action === 'issue').map((step) => step.passed)).toEqual([true, true])
    const jwtVc = cell('targets.sphereon-wallet.json', 'baseline', 'jwt_vc_json', 'sphereon-wallet@sphereon-wallet', 'sdjwt-check@meeco')
    expect(jwtVc.status).toBe('unsupported')
  })

  it('the Sphereon-issued SD-JWT VC verifies with meeco too, and an expired one is refused on expiry (RFC 7519 §4.1.4)', () => {
    expect(cell('targets.sphereon.json', 'baseline', 'dc+sd-jwt', 'sphereon-wallet@sphereon-wallet', 'sdjwt-check@meeco').status).toBe('pass')
    const expired = cell('targets.sphereon.json', 'expired-credential', 'dc+sd-jwt', 'sphereon-wallet@sphereon-wallet', 'sdjwt-check@meeco')
    expect(expired.status, JSON.stringify(expired.failure)).toBe('pass')
  })

  it('sdjwt-check asks no trust registry: an issuer the registry does not know is accepted, a failing cell that says why', () => {
    const untrusted = cell('targets.sphereon.json', 'untrusted-issuer', 'dc+sd-jwt', 'sphereon-wallet@sphereon-wallet', 'sdjwt-check@meeco')
    expect(untrusted.status).toBe('fail')
    expect(untrusted.failure?.reason).toMatch(/expected rejected on trust-registry, the verifier accepted .*no trust registry, status or policy check/)
  })

  it('exits non-zero, since cells failed, and says so in the report', () => {
    for (const { exit, report } of Object.values(reports)) {
      expect(report.results.length).toBeGreaterThan(0)
      expect(exit.code, exit.output.slice(-2000)).toBe(report.failed ? 1 : 0)
    }
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OpenId4VcModule } from '@credo-ts/openid4vc'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { cachingFetch } from '@interop-lab/common/net/httpCache'
import { IssuerMetadataKeeper, resolveCredentialOffer } from '@interop-lab/wallet-sim/issuerMetadata'

/**
 * The wallet parses an issuer's metadata once, not on every offer (issue #21), and keeps a parse only while the
 * documents it came from answer the same bytes through its HTTP cache (RFC 9111): what the issuer lets it keep, it
 * keeps; what changes, it sees at once, checked by Credo's parse as before. A real Credo holder agent resolves offers
 * from a real HTTP server serving an issuer's metadata.
 */

const CONFIGURATION = 'Badge_dc+sd-jwt'
let server: Server
let issuer: string
/** What the issuer serves: its Cache-Control, the name it displays, the credential_issuer its metadata names. */
let serving: { cacheControl: string; name: string; namedIssuer?: string }
const hits = new Map<string, number>()
let keeper: IssuerMetadataKeeper
const dataDir = mkdtempSync(join(tmpdir(), 'interop-issuer-metadata-'))
const startHolder = () =>
  createAgent({
    database: { engine: 'sqlite', file: join(dataDir, 'holder.sqlite') },
    dataDir,
    modules: { openid4vc: new OpenId4VcModule() },
    // the agent's GETs through the keeper of the test under way, as a persona's go through its own
    fetch: (input, init) => keeper.fetch(input, init),
    allowInsecureHttp: true,
  })
let holder: Awaited<ReturnType<typeof startHolder>>

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1)
    const documents: Record<string, unknown> = {
      '/.well-known/openid-credential-issuer/issuer': {
        credential_issuer: serving.namedIssuer ?? issuer,
        credential_endpoint: `${issuer}/credential`,
        display: [{ name: serving.name, locale: 'en' }],
        credential_configurations_supported: { [CONFIGURATION]: { format: 'dc+sd-jwt', vct: 'https://example.org/badge', cryptographic_binding_methods_supported: ['jwk'] } },
      },
      '/.well-known/oauth-authorization-server/issuer': { issuer, token_endpoint: `${issuer}/token` },
    }
    const document = documents[req.url!]
    res.writeHead(document ? 200 : 404, { 'content-type': 'application/json', 'cache-control': serving.cacheControl })
    res.end(JSON.stringify(document ?? { error: 'not_found' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}/issuer`
  serving = { cacheControl: 'no-store', name: 'Badges' }
  keeper = new IssuerMetadataKeeper(cachingFetch(globalThis.fetch))
  holder = await startHolder()
})

afterAll(async () => {
  await holder?.shutdown()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(dataDir, { recursive: true, force: true })
})

beforeEach(() => {
  hits.clear()
  keeper = new IssuerMetadataKeeper(cachingFetch(globalThis.fetch))
})

/** A pre-authorized offer by value (OID4VCI 1.0 §4.1.1), its code `code`. */
const offer = (code: string) =>
  `openid-credential-offer://?credential_offer=${encodeURIComponent(
    JSON.stringify({ credential_issuer: issuer, credential_configuration_ids: [CONFIGURATION], grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': code } } }),
  )}`
const resolve = (code: string) => resolveCredentialOffer(holder.agent, offer(code), keeper)
const metadataFetches = () => hits.get('/.well-known/openid-credential-issuer/issuer') ?? 0

describe("the wallet's issuer metadata, parsed once per issuer", () => {
  it('is parsed once while the issuer lets it be kept (Cache-Control max-age), and resolves offers as Credo does', async () => {
    serving = { cacheControl: 'public, max-age=300', name: 'Badges' }
    const first = await resolve('first')
    const second = await resolve('second')
    expect(second.metadata).toBe(first.metadata)
    expect(metadataFetches()).toBe(1)
    expect(second.credentialOfferPayload.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.['pre-authorized_code']).toBe('second')
    expect(Object.keys(second.offeredCredentialConfigurations)).toEqual([CONFIGURATION])
    // what Credo's holder resolves on its own, parsing the metadata again
    expect(JSON.parse(JSON.stringify(second))).toEqual(JSON.parse(JSON.stringify(await holder.agent.openid4vc.holder.resolveCredentialOffer(offer('second')))))
    // kept for every later exchange of this holder: nothing a flow does to it reaches the next
    expect(Object.isFrozen(first.metadata.credentialIssuer.display?.[0])).toBe(true)
  })

  it('is fetched again for every offer when the issuer lets nothing be kept (no-store): the parse reused while the bytes are the same, changed metadata seen at once', async () => {
    serving = { cacheControl: 'no-store', name: 'Badges' }
    const first = await resolve('first')
    const second = await resolve('second')
    expect(second.metadata).toBe(first.metadata)
    expect(metadataFetches()).toBe(2)
    serving = { cacheControl: 'no-store', name: 'Badges, renamed' }
    const third = await resolve('third')
    expect(third.metadata).not.toBe(first.metadata)
    expect(third.metadata.credentialIssuer.display?.[0]?.name).toBe('Badges, renamed')
  })

  it('refuses changed metadata that names another credential issuer, as Credo refuses it (OID4VCI 1.0 §12.2.2, credential_issuer identical to the issuer identifier)', async () => {
    serving = { cacheControl: 'no-store', name: 'Badges' }
    await resolve('first')
    serving = { cacheControl: 'no-store', name: 'Badges', namedIssuer: 'https://impostor.example/issuer' }
    await expect(resolve('second')).rejects.toThrow(/credential_issuer.*does not match/)
  })
})

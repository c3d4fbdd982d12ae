import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompactSign, compactVerify, createLocalJWKSet, generateKeyPair, type JSONWebKeySet } from 'jose'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseConfig } from '@interop-lab/common/db'
import { queryAuthorization, queryRecognition, TrustRegistryError } from '@interop-lab/trust-registry/client'
import { DEFAULT_GOVERNANCE_FILE } from '@interop-lab/trust-registry/governance'
import { startTrustRegistry, type TrustRegistry } from '@interop-lab/trust-registry'

const ADMIN = 'registry-admin-key'
const ADMIN_KEY_ID = `api-key:${createHash('sha256').update(ADMIN).digest('hex').slice(0, 12)}`
const dataDir = mkdtempSync(join(tmpdir(), 'interop-registry-'))

/** SQLite; or, when INTEROP_TEST_DATABASE_URL names a PostgreSQL server, a fresh database on it, dropped afterwards. */
async function testDatabase(): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  const serverUrl = process.env.INTEROP_TEST_DATABASE_URL
  if (!serverUrl) return { config: { engine: 'sqlite', file: join(dataDir, 'registry.sqlite') }, drop: async () => {} }
  const name = `trust_registry_test_${Date.now()}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    await client.query(sql).finally(() => client.end())
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { config: { engine: 'postgres', url: url.toString() }, drop: () => admin(`DROP DATABASE ${name} WITH (FORCE)`) }
}
const database = await testDatabase()
const options = { dataDir, database: database.config, adminApiKeys: [ADMIN] }
const BC_DID = 'did:web:bc-registries.example:issuer'
const AB_DID = 'did:web:alberta.example:issuer'
let registry: TrustRegistry

type Json = Record<string, any>
const send = async (method: string, path: string, body?: unknown, key?: string, base = registry.url) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Json }
}
const bind = (key: string, did: string) => send('PUT', `/admin/entities/${key}/did`, { did }, ADMIN)
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('the client accepted the answer'),
    (error: unknown) => error as TrustRegistryError,
  )

beforeAll(async () => {
  registry = await startTrustRegistry(options)
  expect((await bind('bc-registries', BC_DID)).status).toBe(200)
  expect((await bind('alberta-corporate-registry', AB_DID)).status).toBe(200)
})
afterAll(async () => {
  await registry?.close()
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

const businessQuery = { entity_id: BC_DID, authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential' }

describe('metadata', () => {
  it('publishes its Ed25519 key as a JWKS and where to ask', async () => {
    const jwks = await send('GET', '/.well-known/jwks.json')
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: registry.signer.kid })])
    expect(jwks.body.keys[0].d).toBeUndefined()
    const config = await send('GET', '/.well-known/trqp-configuration')
    expect(config.body).toMatchObject({
      authority_id: 'CA',
      authorization_endpoint: `${registry.url}/trqp/authorization`,
      recognition_endpoint: `${registry.url}/trqp/recognition`,
      jwks_uri: `${registry.url}/.well-known/jwks.json`,
    })
    expect(await send('GET', '/health')).toEqual({ status: 200, body: { status: 'ok', service: 'trust-registry', authority: 'CA' } })
  })
})

describe('TRQP authorization', () => {
  it('authorizes a registered issuer for its credential type, in an answer signed by the registry', async () => {
    const answer = await queryAuthorization(registry.url, businessQuery)
    expect(answer).toMatchObject({ ...businessQuery, authorized: true, entity_key: 'bc-registries', entity_name: { en: 'BC Registries', fr: 'Registres de la C.-B.' } })
    expect(answer.expires).toBeUndefined()
    // the JWS the client hands back covers exactly the answer, under the registry's published key
    const { jws, ...fields } = answer
    const jwks = (await send('GET', '/.well-known/jwks.json')).body as JSONWebKeySet
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks))
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'trqp+jws', kid: registry.signer.kid })
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(fields)
  })

  it('refuses an unknown DID, another credential type and another jurisdiction, saying why', async () => {
    const unknown = await queryAuthorization(registry.url, { ...businessQuery, entity_id: 'did:web:nobody.example' })
    expect(unknown).toMatchObject({ authorized: false, message: 'The entity is not registered in this trust registry' })
    expect(unknown.entity_key).toBeUndefined()
    const otherType = await queryAuthorization(registry.url, { ...businessQuery, resource: 'DeathRegistrationCredential' })
    expect(otherType).toMatchObject({ authorized: false, entity_key: 'bc-registries', message: 'BC Registries is registered but not authorized to issue DeathRegistrationCredential under CA-BC' })
    const otherJurisdiction = await queryAuthorization(registry.url, { ...businessQuery, authority_id: 'CA-AB' })
    expect(otherJurisdiction).toMatchObject({ authorized: false, message: expect.stringMatching(/not authorized to issue BusinessRegistrationCredential under CA-AB/) })
    const otherAction = await queryAuthorization(registry.url, { ...businessQuery, action: 'certify' })
    expect(otherAction.authorized).toBe(false)
  })

  it('answers the same question asked with GET', async () => {
    const { status, body } = await send('GET', `/trqp/authorization?${new URLSearchParams(businessQuery)}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ ...businessQuery, authorized: true, jws: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) })
    const missing = await send('GET', '/trqp/authorization?entity_id=did:web:x')
    expect([missing.status, missing.body.message]).toEqual([400, expect.stringMatching(/authority_id/)])
  })

  it('evaluates validity at the time asked about, and says when an authorization expires', async () => {
    const validity = { validFrom: '2024-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }
    expect((await send('PATCH', '/admin/entities/alberta-corporate-registry', validity, ADMIN)).status).toBe(200)
    const ask = (time: string) => queryAuthorization(registry.url, { ...businessQuery, entity_id: AB_DID, authority_id: 'CA-AB', context: { time } })
    expect(await ask('2025-06-01T00:00:00Z')).toMatchObject({ authorized: true, expires: validity.validUntil, time_requested: '2025-06-01T00:00:00Z' })
    expect(await ask('2023-06-01T00:00:00Z')).toMatchObject({ authorized: false, message: `Alberta Corporate Registry is not authorized before ${validity.validFrom}` })
    expect(await ask('2031-06-01T00:00:00Z')).toMatchObject({ authorized: false, message: `Alberta Corporate Registry's authorization expired on ${validity.validUntil}` })
    expect((await send('PATCH', '/admin/entities/alberta-corporate-registry', { validFrom: null, validUntil: null }, ADMIN)).body.validUntil).toBeUndefined()
    expect((await ask('2031-06-01T00:00:00Z')).authorized).toBe(true)
  })

  it('stops authorizing a suspended or revoked entity', async () => {
    for (const status of ['suspended', 'revoked'] as const) {
      expect((await send('PATCH', '/admin/entities/alberta-corporate-registry', { status }, ADMIN)).body.status).toBe(status)
      const answer = await queryAuthorization(registry.url, { ...businessQuery, entity_id: AB_DID, authority_id: 'CA-AB' })
      expect(answer).toMatchObject({ authorized: false, message: `Alberta Corporate Registry is ${status}` })
    }
    expect((await send('PATCH', '/admin/entities/alberta-corporate-registry', { status: 'active' }, ADMIN)).status).toBe(200)
  })
})

describe('TRQP recognition', () => {
  it('answers which jurisdictions recognize which, per credential type', async () => {
    const recognized = (authority_id: string, entity_id: string, resource: string) =>
      queryRecognition(registry.url, { entity_id, authority_id, action: 'recognize', resource }).then((a) => a.recognized)
    expect(await recognized('CA', 'CA-BC', 'BusinessRegistrationCredential')).toBe(true)
    expect(await recognized('CA', 'CA-QC', 'DeathRegistrationCredential')).toBe(true)
    expect(await recognized('CA-AB', 'CA-BC', 'BusinessRegistrationCredential')).toBe(true)
    expect(await recognized('CA', 'CA-BC', 'DeathRegistrationCredential')).toBe(false)
    expect(await recognized('CA-BC', 'CA', 'BusinessRegistrationCredential')).toBe(false)
    const refused = await queryRecognition(registry.url, { entity_id: 'CA-NL', authority_id: 'CA-BC', resource: 'DeathRegistrationCredential' })
    expect(refused).toMatchObject({ recognized: false, action: 'recognize', message: 'CA-BC does not recognize CA-NL for DeathRegistrationCredential' })
  })

  it('lists recognitions publicly', async () => {
    const { body } = await send('GET', '/registry/recognitions')
    expect(body.recognitions).toContainEqual({ authority: 'CA', recognizes: 'CA-SK', resource: 'DeathRegistrationCredential' })
  })

  it('answers a recognition past its end as not recognized, saying since when; the admin API refuses malformed terms', async () => {
    const ended = await send('PUT', '/admin/recognitions/CA-YT', { resources: ['VerifiedPersonCredential'], maxAssuranceLevel: 2, validUntil: '2020-01-01T00:00:00Z' }, ADMIN)
    expect(ended.body.recognitions).toEqual([{ authority: 'CA', recognizes: 'CA-YT', resource: 'VerifiedPersonCredential', maxAssuranceLevel: 2, validUntil: '2020-01-01T00:00:00Z' }])
    const answer = await queryRecognition(registry.url, { entity_id: 'CA-YT', authority_id: 'CA', resource: 'VerifiedPersonCredential' })
    expect(answer).toMatchObject({
      recognized: false,
      max_assurance_level: 2,
      expires: '2020-01-01T00:00:00Z',
      message: "CA's recognition of CA-YT for VerifiedPersonCredential expired on 2020-01-01T00:00:00Z",
    })
    const asOf2019 = await queryRecognition(registry.url, { entity_id: 'CA-YT', authority_id: 'CA', resource: 'VerifiedPersonCredential', context: { time: '2019-06-01T00:00:00Z' } })
    expect(asOf2019.recognized).toBe(true)
    expect((await send('PUT', '/admin/recognitions/Yukon', { resources: ['X'] }, ADMIN)).status).toBe(400)
    expect((await send('PUT', '/admin/recognitions/CA-YT', { resources: [], maxAssuranceLevel: 9 }, ADMIN)).status).toBe(400)
    expect((await send('PUT', '/admin/registries/CA-YT', { url: 'ftp://registry.example', key: 'short' }, ADMIN)).status).toBe(400)
    expect((await send('DELETE', '/admin/recognitions/CA-PE', undefined, ADMIN)).body.message).toMatch('CA has no standing recognition of CA-PE')
  })
})

describe('client verification', () => {
  // A real HTTP relay in front of the registry that serves its JWKS unchanged and alters answers as told.
  let relay: Server
  let relayUrl: string
  let alter: (answer: Json) => Promise<Json> = async (answer) => answer
  beforeAll(async () => {
    relay = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const upstream = await fetch(`${registry.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      })
      const body = (await upstream.json()) as Json
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(req.url?.startsWith('/trqp/') ? await alter(body) : body))
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => relay.close(() => resolve())))
  const unknownQuery = { ...businessQuery, entity_id: 'did:web:impostor.example' }

  it('accepts genuine answers through the relay', async () => {
    alter = async (answer) => answer
    expect((await queryAuthorization(relayUrl, businessQuery)).authorized).toBe(true)
  })

  it('refuses an answer whose signed payload was altered', async () => {
    alter = async (answer) => {
      const [header, payload, signature] = String(answer.jws).split('.')
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), authorized: true })).toString('base64url')
      return { ...answer, authorized: true, jws: `${header}.${forged}.${signature}` }
    }
    const error = await refusal(queryAuthorization(relayUrl, unknownQuery))
    expect(error).toBeInstanceOf(TrustRegistryError)
    expect([error.reason, error.message]).toEqual(['bad-signature', expect.stringMatching(/not signed by its key.*signature verification failed/)])
  })

  it('ignores unsigned fields: an answer flipped beside its JWS still reads as signed', async () => {
    alter = async (answer) => ({ ...answer, authorized: true, message: 'trust me' })
    expect(await queryAuthorization(relayUrl, unknownQuery)).toMatchObject({ authorized: false, message: 'The entity is not registered in this trust registry' })
  })

  it('refuses an answer signed by another key under the registry kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA')
    alter = async ({ jws: _jws, ...answer }) => {
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...answer, authorized: true })))
        .setProtectedHeader({ alg: 'EdDSA', kid: registry.signer.kid, typ: 'trqp+jws' })
        .sign(privateKey)
      return { ...answer, authorized: true, jws }
    }
    expect((await refusal(queryAuthorization(relayUrl, unknownQuery))).reason).toBe('bad-signature')
  })

  it('refuses a genuine answer to another question, and an old one replayed', async () => {
    const genuine = await send('POST', '/trqp/authorization', businessQuery)
    alter = async () => genuine.body
    const other = await refusal(queryAuthorization(relayUrl, unknownQuery))
    expect([other.reason, other.message]).toEqual(['wrong-answer', expect.stringMatching(/another question \(entity_id differ\)/)])
    await new Promise((resolve) => setTimeout(resolve, 30))
    const replayed = await refusal(queryAuthorization(relayUrl, businessQuery, { maxAgeSeconds: 0.01 }))
    expect([replayed.reason, replayed.message]).toEqual(['wrong-answer', expect.stringMatching(/not within the last 0.01 s/)])
  })

  it('reports an answer without a JWS, an error status and an unreachable registry', async () => {
    alter = async ({ jws: _jws, ...answer }) => answer
    const unsigned = await refusal(queryAuthorization(relayUrl, businessQuery))
    expect([unsigned.reason, unsigned.message]).toEqual(['bad-signature', `The trust registry's answer carries no JWS (${relayUrl})`])
    alter = async (answer) => answer
    const bad = await refusal(queryAuthorization(relayUrl, { ...businessQuery, authority_id: '' }))
    expect([bad.reason, bad.message]).toEqual(['refused', expect.stringMatching(/answered 400: Invalid request: authority_id/)])
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    expect((await refusal(queryAuthorization(`http://127.0.0.1:${port}`, businessQuery))).reason).toBe('unreachable')
  })
})

describe('malformed queries', () => {
  it('answers 400 naming what is wrong, never 5xx', async () => {
    const missing = await send('POST', '/trqp/authorization', { entity_id: BC_DID })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/authority_id.*action.*resource/)
    const notJson = await send('POST', '/trqp/authorization', '{not json')
    expect([notJson.status, notJson.body.error]).toEqual([400, 'entity.parse.failed'])
    expect((await send('POST', '/trqp/authorization', [businessQuery])).status).toBe(400)
    expect((await send('POST', '/trqp/authorization', { ...businessQuery, extra: 1 })).body.message).toMatch(/extra/)
    expect((await send('POST', '/trqp/authorization', { ...businessQuery, context: { time: 'yesterday' } })).body.message).toMatch(/context\.time/)
    expect((await send('POST', '/trqp/authorization', { ...businessQuery, entity_id: 42 })).body.message).toMatch(/entity_id/)
    const wrongAction = await send('POST', '/trqp/recognition', { entity_id: 'CA-BC', authority_id: 'CA', resource: 'x', action: 'issue' })
    expect([wrongAction.status, wrongAction.body.message]).toEqual([400, expect.stringMatching(/action must be "recognize"/)])
    expect((await send('GET', '/registry/entities?limit=0')).status).toBe(400)
    expect((await send('GET', '/nowhere')).status).toBe(404)
  })
})

describe('public listing', () => {
  it('lists entities with bilingual names, jurisdiction, DID, authorizations, status and assurance, a page at a time', async () => {
    const { body } = await send('GET', '/registry/entities')
    expect(body.authority).toBe('CA')
    expect(body.entities).toContainEqual({
      key: 'bc-registries',
      entityId: BC_DID,
      name: { en: 'BC Registries', fr: 'Registres de la C.-B.' },
      jurisdiction: 'CA-BC',
      status: 'active',
      authorizations: [{ action: 'issue', resource: 'BusinessRegistrationCredential' }],
      assurance: { subject: 'verified-organization', level: 3 },
    })
    expect(body.entities.find((e: Json) => e.key === 'qc-etat-civil')).toMatchObject({ jurisdiction: 'CA-QC', authorizations: [{ action: 'issue', resource: 'DeathRegistrationCredential' }] })
    expect(body.entities.find((e: Json) => e.key === 'qc-etat-civil').entityId).toBeUndefined()
    const first = await send('GET', '/registry/entities?limit=3')
    expect([first.body.entities.length, first.body.next_offset]).toEqual([3, 3])
    const second = await send('GET', '/registry/entities?limit=3&offset=3')
    expect(second.body.entities.map((e: Json) => e.key)).toEqual(body.entities.slice(3, 6).map((e: Json) => e.key))
    expect((await send('GET', `/registry/entities?offset=${body.entities.length - 1}`)).body.next_offset).toBeUndefined()
  })
})

describe('administration', () => {
  it('requires an admin key for every change and for the audit trail', async () => {
    for (const key of [undefined, 'wrong-key']) {
      expect((await send('PATCH', '/admin/entities/bc-registries', { status: 'suspended' }, key)).status).toBe(401)
      expect((await send('PUT', '/admin/entities/bc-registries/did', { did: 'did:web:evil.example' }, key)).status).toBe(401)
      expect((await send('POST', '/admin/entities', { key: 'x' }, key)).status).toBe(401)
      expect((await send('GET', '/admin/audit', undefined, key)).status).toBe(401)
    }
    expect((await queryAuthorization(registry.url, businessQuery)).authorized).toBe(true)
  })

  it('audits who changed what, when, with the entity before and after', async () => {
    const before = Date.now()
    const NEW_DID = 'did:web:sk-vital-statistics.example'
    expect((await bind('sk-vital-statistics', NEW_DID)).body.entityId).toBe(NEW_DID)
    expect((await bind('sk-vital-statistics', NEW_DID)).status).toBe(200) // the same binding again: no change, no entry
    const { status, body } = await send('GET', '/admin/audit?target=sk-vital-statistics', undefined, ADMIN)
    expect(status).toBe(200)
    expect(body.audit).toHaveLength(1)
    const [entry] = body.audit
    expect(entry).toMatchObject({ actor: ADMIN_KEY_ID, action: 'bind-did', target: 'sk-vital-statistics', after: { key: 'sk-vital-statistics', entityId: NEW_DID, status: 'active' } })
    expect(entry.before.entityId).toBeUndefined()
    expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(before - 1000)
    expect(JSON.stringify(body)).not.toContain(ADMIN)
    const all = await send('GET', '/admin/audit?limit=100', undefined, ADMIN)
    expect(all.body.audit.filter((e: Json) => e.target === 'alberta-corporate-registry' && e.action === 'update-entity').map((e: Json) => e.after.status)).toEqual(
      expect.arrayContaining(['suspended', 'revoked', 'active']),
    )
  })

  it('replaces an entity’s authorizations', async () => {
    const grant = [
      { action: 'issue', resource: 'BusinessRegistrationCredential' },
      { action: 'issue', resource: 'VerifiedPersonCredential' },
    ]
    expect((await send('PATCH', '/admin/entities/bc-registries', { authorizations: grant }, ADMIN)).body.authorizations).toEqual(grant)
    expect((await queryAuthorization(registry.url, { ...businessQuery, resource: 'VerifiedPersonCredential' })).authorized).toBe(true)
    await send('PATCH', '/admin/entities/bc-registries', { authorizations: grant.slice(0, 1) }, ADMIN)
    expect((await queryAuthorization(registry.url, { ...businessQuery, resource: 'VerifiedPersonCredential' })).authorized).toBe(false)
  })

  it('refuses bad admin input clearly', async () => {
    const expectRefusal = async (reply: Promise<{ status: number; body: Json }>, status: number, message: RegExp) => {
      const { status: actual, body } = await reply
      expect([actual, body.message]).toEqual([status, expect.stringMatching(message)])
    }
    await expectRefusal(send('PATCH', '/admin/entities/bc-registries', {}, ADMIN), 400, /nothing to change/)
    await expectRefusal(send('PATCH', '/admin/entities/bc-registries', { status: 'paused' }, ADMIN), 400, /status/)
    await expectRefusal(send('PATCH', '/admin/entities/bc-registries', { validFrom: '2030-01-01T00:00:00Z', validUntil: '2029-01-01T00:00:00Z' }, ADMIN), 400, /validFrom.*before validUntil/)
    await expectRefusal(send('PATCH', '/admin/entities/nobody', { status: 'active' }, ADMIN), 404, /No entity 'nobody'/)
    await expectRefusal(send('PUT', '/admin/entities/nobody/did', { did: 'did:web:nobody.example' }, ADMIN), 404, /No entity 'nobody'/)
    await expectRefusal(bind('alberta-corporate-registry', BC_DID), 409, /already bound to 'bc-registries'/)
    await expectRefusal(bind('alberta-corporate-registry', 'not-a-did'), 400, /did: expected a DID/)
    await expectRefusal(send('POST', '/admin/entities', { key: 'bc-registries', name: { en: 'x', fr: 'x' }, jurisdiction: 'CA-BC', authorizations: [] }, ADMIN), 409, /already exists/)
    await expectRefusal(send('POST', '/admin/entities', { key: 'Bad Key', name: { en: 'x' }, jurisdiction: 'BC', authorizations: [] }, ADMIN), 400, /key.*name\.fr.*jurisdiction/)
    await expectRefusal(send('GET', '/admin/audit?limit=many', undefined, ADMIN), 400, /limit/)
    // nothing above left a trace
    expect((await send('GET', '/admin/audit?target=nobody', undefined, ADMIN)).body.audit).toEqual([])
  })
})

describe('a kept-alive connection the registry closed', () => {
  it('asks the query again on a new connection: the registry (here a relay in front of it) closes each connection at its second request unanswered', async () => {
    let relayed = 0
    let dropped = 0
    const relay = createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { requests?: number }
      socket.requests = (socket.requests ?? 0) + 1
      if (socket.requests > 1) {
        dropped++
        socket.destroy()
        return
      }
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', async () => {
        relayed++
        const answer = await fetch(`${registry.url}${req.url}`, {
          method: req.method,
          headers: { 'content-type': 'application/json' },
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        })
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', connection: 'keep-alive' })
        res.end(Buffer.from(await answer.arrayBuffer()))
      })
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
    try {
      for (let i = 0; i < 3; i++) expect((await queryAuthorization(relayUrl, businessQuery)).authorized).toBe(true)
      expect(dropped).toBeGreaterThan(0)
      expect(relayed).toBeGreaterThanOrEqual(3)
    } finally {
      relay.closeAllConnections()
      await new Promise((resolve) => relay.close(resolve))
    }
  })
})

describe('restart', () => {
  it('keeps its signing key, admin changes and audit trail, and seeds only what is new in the governance file', async () => {
    const kid = registry.signer.kid
    const yukon = {
      key: 'yukon-registry',
      entityId: 'did:web:yukon.example',
      name: { en: 'Yukon Corporate Registry', fr: 'Registre des sociétés du Yukon' },
      jurisdiction: 'CA-YT',
      authorizations: [{ action: 'issue', resource: 'BusinessRegistrationCredential' }],
    }
    expect((await send('POST', '/admin/entities', yukon, ADMIN)).status).toBe(201)
    expect((await send('PATCH', '/admin/entities/corporations-canada', { status: 'suspended' }, ADMIN)).status).toBe(200)
    const auditBefore = (await send('GET', '/admin/audit?limit=1000', undefined, ADMIN)).body.audit

    // the next governance file names one more entity, and still names corporations-canada as active
    const governance = JSON.parse(readFileSync(DEFAULT_GOVERNANCE_FILE, 'utf8'))
    governance.entities.push({
      key: 'nwt-registry',
      name: { en: 'NWT Corporate Registry', fr: 'Registre des sociétés des T.N.-O.' },
      jurisdiction: 'CA-NT',
      authorizations: [{ action: 'issue', resource: 'BusinessRegistrationCredential' }],
    })
    const governanceFile = join(dataDir, 'governance.json')
    writeFileSync(governanceFile, JSON.stringify(governance))

    const port = Number(new URL(registry.url).port)
    await registry.close()
    registry = await startTrustRegistry({ ...options, port, governanceFile })
    expect(registry.signer.kid).toBe(kid)
    // the client's cached JWKS (same URL) still verifies answers: same key
    expect((await queryAuthorization(registry.url, businessQuery)).authorized).toBe(true)
    expect((await queryAuthorization(registry.url, { ...businessQuery, entity_id: yukon.entityId, authority_id: 'CA-YT' })).authorized).toBe(true)
    const { body } = await send('GET', '/registry/entities')
    const byKey = (key: string) => body.entities.find((e: Json) => e.key === key)
    expect(byKey('corporations-canada').status).toBe('suspended')
    expect(byKey('nwt-registry')).toMatchObject({ status: 'active', jurisdiction: 'CA-NT' })
    expect(byKey('sk-vital-statistics').entityId).toBe('did:web:sk-vital-statistics.example')
    expect((await send('GET', '/admin/audit?limit=1000', undefined, ADMIN)).body.audit).toEqual(auditBefore)
  })

  it('refuses to start on an invalid governance file, saying what is wrong', async () => {
    const file = join(dataDir, 'broken-governance.json')
    writeFileSync(file, JSON.stringify({ authority: { id: 'CA', name: { en: 'x', fr: 'x' } }, entities: [{ key: 'a', name: { en: 'A' }, jurisdiction: 'CA', authorizations: [] }], recognitions: [] }))
    const otherDir = mkdtempSync(join(tmpdir(), 'interop-registry-broken-'))
    try {
      await expect(startTrustRegistry({ dataDir: otherDir, adminApiKeys: [ADMIN], governanceFile: file })).rejects.toThrow(/Invalid governance file.*\n.*entities\[0\]\.name\.fr/s)
      await expect(startTrustRegistry({ dataDir: otherDir, adminApiKeys: [''] })).rejects.toThrow(/non-empty admin API key/)
    } finally {
      rmSync(otherDir, { recursive: true, force: true })
    }
  })

  it('honours "*" recognitions from its governance file', async () => {
    const governance = JSON.parse(readFileSync(DEFAULT_GOVERNANCE_FILE, 'utf8'))
    governance.recognitions.push({ authority: 'CA-QC', recognizes: 'CA', resources: ['*'] })
    const otherDir = mkdtempSync(join(tmpdir(), 'interop-registry-star-'))
    const file = join(otherDir, 'governance.json')
    writeFileSync(file, JSON.stringify(governance))
    const other = await startTrustRegistry({ dataDir: otherDir, adminApiKeys: [ADMIN], governanceFile: file })
    try {
      for (const resource of ['BusinessRegistrationCredential', 'AnythingCredential']) {
        expect((await queryRecognition(other.url, { entity_id: 'CA', authority_id: 'CA-QC', resource })).recognized).toBe(true)
      }
      expect((await queryRecognition(other.url, { entity_id: 'CA-BC', authority_id: 'CA-QC', resource: 'BusinessRegistrationCredential' })).recognized).toBe(false)
    } finally {
      await other.close()
      rmSync(otherDir, { recursive: true, force: true })
    }
  })
})

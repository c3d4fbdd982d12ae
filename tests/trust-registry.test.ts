import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryAuthorization, queryRecognition } from '../trust-registry/client'
import { startTrustRegistry, type TrustRegistry } from '../trust-registry/service'

const ADMIN = 'registry-admin-key'
const dataDir = mkdtempSync(join(tmpdir(), 'interop-registry-'))
const options = { dataDir, database: { engine: 'sqlite' as const, file: join(dataDir, 'registry.sqlite') }, adminApiKeys: [ADMIN] }
const BC_DID = 'did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6ImJjLXJlZ2lzdHJpZXMtdGVzdC1rZXktMDAwMDAwMDAwMDAifQ'
let registry: TrustRegistry

const send = async (method: string, path: string, body?: unknown, key?: string) => {
  const response = await fetch(`${registry.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  registry = await startTrustRegistry(options)
  expect((await send('PUT', '/admin/entities/bc-registries/did', { did: BC_DID }, ADMIN)).status).toBe(200)
})
afterAll(async () => {
  await registry?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const businessQuery = { entity_id: BC_DID, authority_id: 'CA-BC', action: 'issue', resource: 'BusinessRegistrationCredential' }

describe('TRQP queries', () => {
  it('authorizes a registered issuer for its credential type, with an answer signed by the registry', async () => {
    const answer = await queryAuthorization(registry.url, businessQuery)
    expect(answer.authorized).toBe(true)
    expect(answer.entity_key).toBe('bc-registries')
    expect(answer.entity_name?.fr).toBe('Registres de la C.-B.')
  })

  it('refuses an unknown DID, another credential type and another jurisdiction, saying why', async () => {
    const unknown = await queryAuthorization(registry.url, { ...businessQuery, entity_id: 'did:jwk:unknown' })
    expect([unknown.authorized, unknown.message]).toEqual([false, expect.stringMatching(/not registered/)])
    const otherType = await queryAuthorization(registry.url, { ...businessQuery, resource: 'DeathRegistrationCredential' })
    expect([otherType.authorized, otherType.message]).toEqual([false, expect.stringMatching(/not authorized to issue DeathRegistrationCredential/)])
    const otherJurisdiction = await queryAuthorization(registry.url, { ...businessQuery, authority_id: 'CA-ON' })
    expect(otherJurisdiction.authorized).toBe(false)
  })

  it('answers recognition between jurisdictions', async () => {
    expect((await queryRecognition(registry.url, { entity_id: 'CA-BC', authority_id: 'CA', resource: 'BusinessRegistrationCredential' })).recognized).toBe(true)
    expect((await queryRecognition(registry.url, { entity_id: 'CA-BC', authority_id: 'CA', resource: 'DeathRegistrationCredential' })).recognized).toBe(false)
    expect((await queryRecognition(registry.url, { entity_id: 'CA-AB', authority_id: 'CA-BC', resource: 'BusinessRegistrationCredential' })).recognized).toBe(true)
  })

  it('signs answers so that an altered answer is refused by the client', async () => {
    const { body } = await send('POST', '/trqp/authorization', { ...businessQuery, entity_id: 'did:jwk:unknown' })
    const [header, payload, signature] = String(body.jws).split('.')
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), authorized: true })).toString('base64url')
    const { compactVerify, createRemoteJWKSet } = await import('jose')
    await expect(compactVerify(`${header}.${altered}.${signature}`, createRemoteJWKSet(new URL(`${registry.url}/.well-known/jwks.json`)))).rejects.toThrow()
  })

  it('answers malformed queries with 400 naming the fields', async () => {
    const missing = await send('POST', '/trqp/authorization', { entity_id: BC_DID })
    expect(missing.status).toBe(400)
    expect(String(missing.body.message)).toMatch(/authority_id/)
    expect((await send('POST', '/trqp/authorization', '{not json')).status).toBe(400)
    expect((await send('POST', '/trqp/recognition', { entity_id: 'CA-BC', authority_id: 'CA', resource: 'x', action: 'issue' })).status).toBe(400)
  })
})

describe('administration', () => {
  it('requires an admin key', async () => {
    expect((await send('PATCH', '/admin/entities/bc-registries', { status: 'suspended' })).status).toBe(401)
    expect((await send('PATCH', '/admin/entities/bc-registries', { status: 'suspended' }, 'wrong-key')).status).toBe(401)
    expect((await send('GET', '/admin/audit')).status).toBe(401)
  })

  it('suspends an entity, audits who did what, and the registry stops authorizing it', async () => {
    const changed = await send('PATCH', '/admin/entities/bc-registries', { status: 'suspended' }, ADMIN)
    expect(changed.status).toBe(200)
    const answer = await queryAuthorization(registry.url, businessQuery)
    expect([answer.authorized, answer.message]).toEqual([false, 'BC Registries is suspended'])
    const { body } = await send('GET', '/admin/audit', undefined, ADMIN)
    const entry = (body.audit as { action: string; target: string; actor: string; before: { status: string }; after: { status: string } }[])[0]
    expect(entry).toMatchObject({ action: 'update-entity', target: 'bc-registries', before: { status: 'active' }, after: { status: 'suspended' } })
    expect(entry.actor).not.toContain(ADMIN)
    expect((await send('PATCH', '/admin/entities/bc-registries', { status: 'active' }, ADMIN)).status).toBe(200)
  })

  it('refuses bad admin input clearly', async () => {
    expect((await send('PATCH', '/admin/entities/bc-registries', {}, ADMIN)).status).toBe(400)
    expect((await send('PATCH', '/admin/entities/nobody', { status: 'active' }, ADMIN)).status).toBe(404)
    expect((await send('PUT', '/admin/entities/alberta-corporate-registry/did', { did: BC_DID }, ADMIN)).status).toBe(409)
    expect((await send('PUT', '/admin/entities/alberta-corporate-registry/did', { did: 'not-a-did' }, ADMIN)).status).toBe(400)
    expect((await send('POST', '/admin/entities', { key: 'bc-registries', name: { en: 'x', fr: 'x' }, jurisdiction: 'CA-BC', authorizations: [] }, ADMIN)).status).toBe(409)
  })

  it('keeps its signing key and admin changes across a restart', async () => {
    const kid = registry.signer.kid
    const created = await send('POST', '/admin/entities', { key: 'yukon-registry', name: { en: 'Yukon Corporate Registry', fr: 'Registre des sociétés du Yukon' }, jurisdiction: 'CA-YT', authorizations: [{ action: 'issue', resource: 'BusinessRegistrationCredential' }] }, ADMIN)
    expect(created.status).toBe(201)
    await registry.close()
    registry = await startTrustRegistry(options)
    expect(registry.signer.kid).toBe(kid)
    const { body } = await send('GET', '/registry/entities')
    expect((body.entities as { key: string }[]).map((e) => e.key)).toContain('yukon-registry')
    expect((await queryAuthorization(registry.url, businessQuery)).authorized).toBe(true)
  })
})

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair } from 'jose'
import { TRQP_JWS_TYPE } from '@interop-lab/trust-registry/trqp'
import { callJson } from '../client'

/** A registry impostor the runner starts for one variant: where it answers, and how to stop it. */
export interface MalloryRegistry {
  url: string
  close(): Promise<void>
}

interface ListedEntity {
  key: string
  name: { en: string }
  jurisdiction: string
  entityId?: string
  authorizations: { action: string; resource: string }[]
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })

const sendJson = (res: ServerResponse, status: number, body: string) => void res.writeHead(status, { 'content-type': 'application/json' }).end(body)

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<MalloryRegistry> {
  const server = createServer((req, res) => void handler(req, res).catch((error: unknown) => sendJson(res, 502, JSON.stringify({ message: String(error) }))))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    // a verifier following the registry's change feed through it holds a connection open: closed too
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const questionKey = (q: { entity_id?: unknown; authority_id?: unknown; action?: unknown; resource?: unknown }) => JSON.stringify([q.entity_id, q.authority_id, q.action, q.resource])

/**
 * Mallory's registry at the address a recognition links to: it says every entity of the genuine registry is authorized,
 * in answers shaped exactly like a TRQP registry's, but signed with Mallory's own Ed25519 key (published in its own
 * JWKS). A verifier that requires the key the recognition names refuses them (`key-changed`).
 */
export async function startForgingRegistry(genuineUrl: string): Promise<MalloryRegistry> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  const configuration = await callJson<Record<string, unknown>>('GET', `${genuineUrl}/.well-known/trqp-configuration`)
  return listen(async (req, res) => {
    if (req.url === '/.well-known/jwks.json') return sendJson(res, 200, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }] }))
    if (req.url === '/.well-known/trqp-configuration') return sendJson(res, 200, JSON.stringify(configuration))
    if (req.method !== 'POST' || req.url !== '/trqp/authorization') return sendJson(res, 404, JSON.stringify({ message: 'Mallory answers authorization queries only' }))
    const query = JSON.parse(await readBody(req)) as Record<string, string | undefined>
    const now = new Date().toISOString()
    const answer = {
      entity_id: query.entity_id,
      authority_id: query.authority_id,
      action: query.action,
      resource: query.resource,
      time_requested: now,
      time_evaluated: now,
      authorized: true,
      message: `${query.entity_id} is authorized to ${query.action} ${query.resource} under ${query.authority_id}`,
    }
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(answer))).setProtectedHeader({ alg: 'EdDSA', typ: TRQP_JWS_TYPE, kid }).sign(privateKey)
    sendJson(res, 200, JSON.stringify({ ...answer, jws }))
  })
}

/**
 * A relay in front of the genuine registry that asks it, now, about every authorization it holds and keeps the signed
 * answers; from then on it hands those back (signed by the genuine key, but dated when recorded) and passes anything
 * else through. A verifier refuses them once they are older than its freshness window (`wrong-answer`).
 */
export async function startReplayingRelay(genuineUrl: string): Promise<MalloryRegistry> {
  const { entities } = await callJson<{ entities: ListedEntity[] }>('GET', `${genuineUrl}/registry/entities?limit=5000`)
  const recorded = new Map<string, string>()
  for (const entity of entities.filter((e) => e.entityId)) {
    for (const { action, resource } of entity.authorizations) {
      const question = { entity_id: entity.entityId, authority_id: entity.jurisdiction, action, resource }
      recorded.set(questionKey(question), JSON.stringify(await callJson('POST', `${genuineUrl}/trqp/authorization`, question)))
    }
  }
  return listen(async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req) : undefined
    const replayed = req.url === '/trqp/authorization' && body ? recorded.get(questionKey(JSON.parse(body) as Record<string, unknown>)) : undefined
    if (replayed) return sendJson(res, 200, replayed)
    const upstream = await fetch(`${genuineUrl}${req.url}`, { method: req.method, headers: body ? { 'content-type': 'application/json' } : {}, body })
    sendJson(res, upstream.status, await upstream.text())
  })
}

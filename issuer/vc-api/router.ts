import { Router } from 'express'
import { handle, requireApiKey, setEntityTag } from '@interop-lab/common/http'
import { bundledContextBytes, CONTEXTS } from '@interop-lab/common/jsonld'
import { ProblemError, problemDetailsHandler, SIGNATURE_ALGORITHMS, VC_JWT_MEDIA_TYPE } from '@interop-lab/common/vc2'
import { deriveCredential, parseDeriveRequest } from './derive'
import { type IssueContext, issueCredential, parseIssueRequest } from './issue'
import { didsOf } from './issuers'
import { parseStatusListId, type StatusListSecuring } from './statusLists'
import { updateCredentialStatus } from './updateStatus'

export interface VcApiIssuerRouterOptions extends IssueContext {
  adminApiKeys: readonly string[]
  /** The issuer's public URL, under which the lab's own context is served. */
  baseUrl: string
}

/** The lab's JSON-LD context, served so that peers without a copy can resolve it (path → context URL). */
export const LAB_CONTEXT_PATH = '/contexts/credentials/v1'

// VCDM 2.0 §6.1: a JSON-LD credential is `application/vc`; the older `application/vc+ld+json` is still what most clients ask for.
const STATUS_LIST_MEDIA_TYPES = ['application/vc+ld+json', 'application/vc', 'application/ld+json', 'application/json']

/**
 * The W3C VC API (VCALM) issuer endpoints:
 *  POST /credentials/issue            {credential, options} → 201 {verifiableCredential}        (API key)
 *  POST /credentials/status           {credentialId, credentialStatus, status} → 200             (API key)
 *  POST /credentials/derive           {verifiableCredential, options: {selectivePointers}} → 201  (API key)
 *                                     the holder's ecdsa-sd-2023 step; keyless, so served here too
 *  GET  /status-lists/{id}            the BitstringStatusListCredential: Data Integrity, or vc+jwt (public)
 *  POST /status-lists/{id}/publish    204: lists are re-signed on every change, so nothing waits  (API key)
 *  GET  /vc-api/issuers               each issuer's DID per cryptosuite, for `credential.issuer`  (public)
 *  GET  /contexts/credentials/v1      the lab's JSON-LD context, application/ld+json            (public)
 * Errors are RFC 9457 problem details.
 */
export function createVcApiIssuerRouter(options: VcApiIssuerRouterOptions): Router {
  const router = Router()
  const admin = requireApiKey(options.adminApiKeys)
  const { statusLists } = options

  router.post(
    '/credentials/issue',
    admin,
    handle(async (req, res) => {
      const { credential, options: issueOptions } = parseIssueRequest(req.body)
      res.status(201).json({ verifiableCredential: await issueCredential(options, credential, issueOptions) })
    }),
  )
  router.post(
    '/credentials/derive',
    admin,
    handle(async (req, res) => {
      const { credential, selectivePointers } = parseDeriveRequest(req.body)
      res.status(201).json({ verifiableCredential: await deriveCredential(credential, selectivePointers, options.documentLoader) })
    }),
  )
  router.post(
    '/credentials/status',
    admin,
    handle(async (req, res) => {
      res.json(await updateCredentialStatus(options.status, statusLists, req.body))
    }),
  )

  const listFrom = async (id: string, securing?: StatusListSecuring) => {
    const parsed = parseStatusListId(id)
    const credential = parsed && (await statusLists.credential(parsed.listId, parsed.purpose, securing))
    if (!credential) throw new ProblemError(404, 'STATUS_RETRIEVAL_ERROR', `No status list '${id}' here`)
    return credential
  }
  router.get(
    '/status-lists/:id',
    handle(async (req, res) => {
      // content negotiation: JSON with a Data Integrity proof unless the client prefers application/vc+jwt
      const mediaType = req.accepts([...STATUS_LIST_MEDIA_TYPES, VC_JWT_MEDIA_TYPE]) || STATUS_LIST_MEDIA_TYPES[0]
      const credential = await listFrom(String(req.params.id), mediaType === VC_JWT_MEDIA_TYPE ? 'vc-jose' : 'data-integrity')
      res.type(mediaType)
      res.set('Cache-Control', `public, max-age=${options.status.ttlSeconds}`)
      res.set('Vary', 'Accept')
      const body = typeof credential === 'string' ? credential : JSON.stringify(credential)
      setEntityTag(res, body).send(body)
    }),
  )
  router.post(
    '/status-lists/:id/publish',
    admin,
    handle(async (req, res) => {
      await listFrom(String(req.params.id))
      res.status(204).end()
    }),
  )
  router.get(LAB_CONTEXT_PATH, (_req, res) => {
    res.type('application/ld+json')
    res.set('Cache-Control', 'public, max-age=86400')
    res.set('Access-Control-Allow-Origin', '*')
    res.send(bundledContextBytes().get(CONTEXTS.interopLabCredentialsV1))
  })
  router.get('/vc-api/issuers', (_req, res) => {
    res.json({
      // where a peer without a copy fetches each of the lab's own contexts
      contexts: { [CONTEXTS.interopLabCredentialsV1]: `${options.baseUrl}${LAB_CONTEXT_PATH}` },
      issuers: options.issuers.all().map((issuer) => ({
        key: issuer.jurisdiction.key,
        name: issuer.jurisdiction.name,
        jurisdiction: issuer.jurisdiction.jurisdiction,
        credentialTypes: issuer.jurisdiction.credentialTypes,
        did: issuer.didKey.did,
        verificationMethod: issuer.didKey.verificationMethod,
        alsoKnownAs: issuer.didJwk.did,
        // the DID to put in credential.issuer for each cryptosuite (VC-JOSE: ES256 under the P-256 one); ECDSA: the P-256 one
        cryptosuites: Object.fromEntries([issuer.didKey, issuer.p256DidKey].flatMap((as) => as.cryptosuites.map((suite) => [suite.name, { did: as.did, verificationMethod: as.verificationMethod }]))),
        // every DID with its key type and suites, the P-384 one included
        dids: didsOf(issuer).map((as) => ({
          did: as.did,
          verificationMethod: as.verificationMethod,
          key: SIGNATURE_ALGORITHMS[as.signer.algorithm].key,
          cryptosuites: as.cryptosuites.map((suite) => suite.name),
        })),
      })),
    })
  })
  router.use(problemDetailsHandler())
  return router
}

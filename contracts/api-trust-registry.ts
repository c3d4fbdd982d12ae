import { z } from 'zod'
import type { ApiDescription, Operation } from './openapi'
import { healthSchema } from './z-formats'
import {
  auditAnswerSchema,
  auditQuerySchema,
  authorizationQuerySchema,
  bindDidSchema,
  createEntitySchema,
  entityListingSchema,
  pageQuerySchema,
  recognitionListingSchema,
  recognitionQuerySchema,
  recognitionsAnswerSchema,
  recognitionTermsSchema,
  registryEntitySchema,
  registryLinkBodySchema,
  registryLinkSchema,
  signedAuthorizationAnswerSchema,
  signedRecognitionAnswerSchema,
  trqpConfigurationSchema,
  updateEntitySchema,
  withdrawalQuerySchema,
} from './z-trust-registry'

const open = 'a trust registry answers anyone; its answers are signed'
/** A GET query carries the POST body's fields, `time` standing for `context.time`. */
const asQueryString = (query: z.ZodObject) => query.omit({ context: true }).extend({ time: z.iso.datetime({ offset: true }).optional() })

const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness', answer: { status: 200, description: 'Up', schema: healthSchema }, openBecause: open },
  { method: 'get', path: '/.well-known/jwks.json', summary: 'The keys answers are signed with', answer: { status: 200, description: 'JWKS' }, openBecause: open },
  { method: 'get', path: '/.well-known/trqp-configuration', summary: 'TRQP metadata', answer: { status: 200, description: 'Metadata', schema: trqpConfigurationSchema }, openBecause: open },
  { method: 'post', path: '/trqp/authorization', summary: 'TRQP: may this entity do this, under this authority?', body: authorizationQuerySchema, answer: { status: 200, description: 'Signed answer (trqp+jws)', schema: signedAuthorizationAnswerSchema }, openBecause: open },
  { method: 'get', path: '/trqp/authorization', summary: 'TRQP authorization query, as a query string', query: asQueryString(authorizationQuerySchema), answer: { status: 200, description: 'Signed answer (trqp+jws)', schema: signedAuthorizationAnswerSchema }, openBecause: open },
  { method: 'post', path: '/trqp/recognition', summary: 'TRQP: does this authority recognize that one, for this resource?', body: recognitionQuerySchema, answer: { status: 200, description: 'Signed answer (trqp+jws)', schema: signedRecognitionAnswerSchema }, openBecause: open },
  { method: 'get', path: '/trqp/recognition', summary: 'TRQP recognition query, as a query string', query: asQueryString(recognitionQuerySchema), answer: { status: 200, description: 'Signed answer (trqp+jws)', schema: signedRecognitionAnswerSchema }, openBecause: open },
  { method: 'get', path: '/registry/entities', summary: 'The entities, a page at a time', query: pageQuerySchema, answer: { status: 200, description: 'Entities', schema: entityListingSchema }, openBecause: open },
  { method: 'get', path: '/registry/recognitions', summary: 'Recognitions and the registries of recognized jurisdictions', answer: { status: 200, description: 'Recognitions', schema: recognitionListingSchema }, openBecause: open },
  { method: 'post', path: '/admin/entities', summary: 'Add an entity', body: createEntitySchema, answer: { status: 201, description: 'The entity', schema: registryEntitySchema }, admin: true },
  { method: 'put', path: '/admin/entities/:key/did', summary: 'Bind an entity’s DID', body: bindDidSchema, answer: { status: 200, description: 'The entity', schema: registryEntitySchema }, admin: true },
  { method: 'patch', path: '/admin/entities/:key', summary: 'Change an entity’s status, authorizations or validity', body: updateEntitySchema, answer: { status: 200, description: 'The entity', schema: registryEntitySchema }, admin: true },
  { method: 'put', path: '/admin/recognitions/:jurisdiction', summary: 'Recognize a jurisdiction', body: recognitionTermsSchema, answer: { status: 200, description: 'Recognitions', schema: recognitionsAnswerSchema }, admin: true },
  { method: 'delete', path: '/admin/recognitions/:jurisdiction', summary: 'Withdraw a recognition', query: withdrawalQuerySchema, answer: { status: 200, description: 'Recognitions', schema: recognitionsAnswerSchema }, admin: true },
  { method: 'put', path: '/admin/registries/:jurisdiction', summary: 'Name a jurisdiction’s own registry', body: registryLinkBodySchema, answer: { status: 200, description: 'The link', schema: registryLinkSchema }, admin: true },
  { method: 'get', path: '/admin/audit', summary: 'The audit trail', query: auditQuerySchema, answer: { status: 200, description: 'Audit entries', schema: auditAnswerSchema }, admin: true },
  { method: 'get', path: '/x509/anchors', summary: 'X.509 trust anchors, signed (x509-anchors+jwt)', query: z.object({ credential_type: z.string().optional() }), answer: { status: 200, description: 'Signed anchor list', schema: z.looseObject({ anchors: z.array(z.unknown()), jws: z.string() }) }, openBecause: open },
  { method: 'put', path: '/admin/x509/anchors', summary: 'List an X.509 trust anchor (a CA certificate)', body: z.looseObject({ jurisdiction: z.string(), kind: z.string(), certificate: z.string(), credentialTypes: z.array(z.string()) }), answer: { status: 200, description: 'The anchor', schema: z.looseObject({ thumbprint: z.string() }) }, admin: true },
  { method: 'put', path: '/admin/entities/:key/issuer-url', summary: 'Bind a certificate-identified issuer’s URL to its entity', body: z.object({ issuerUrl: z.url() }), answer: { status: 200, description: 'Bound', schema: z.object({ key: z.string(), issuerUrl: z.string() }) }, admin: true },
]

export const trustRegistryApi: ApiDescription = {
  service: 'trust-registry',
  title: 'Interop Lab trust registry',
  description: 'Signed TRQP answers (ToIP TRQP v2 model): authorizations and recognitions between jurisdictions; the public listing; the audited admin API.',
  operations,
}

import { z } from 'zod'
import type { ApiDescription, Operation } from './openapi'
import { capabilitiesSchema, healthSchema } from './z-formats'
import {
  certifyRequestSchema,
  correctedDeathSchema,
  correctionSchema,
  createdOfferSchema,
  credentialTypesAnswerSchema,
  issuersAnswerSchema,
  offerRequestSchema,
  offerStateSchema,
  registeredDeathSchema,
  registerDeathSchema,
  registrationAnswerSchema,
  submitCertificateSchema,
} from './z-issuer'
import { deliveriesAnswerSchema, deliveriesQuerySchema, publishedEventSchema, publishEventSchema, subscriptionInputSchema, subscriptionSchema, subscriptionsAnswerSchema, topicsAnswerSchema } from './z-notifications'
import {
  vcApiDeriveRequestSchema,
  vcApiIssueRequestSchema,
  vcApiIssuersAnswerSchema,
  vcApiUpdateStatusRequestSchema,
  vcApiVerifiableCredentialSchema,
} from './z-vc-api'

const describes = 'what the service is and offers'
const statusLists = 'status lists relying parties fetch'
const webvh = 'a did:webvh DID’s log and attested resources, which resolvers fetch'

const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness', answer: { status: 200, description: 'Up', schema: healthSchema }, openBecause: describes },
  { method: 'get', path: '/capabilities', summary: 'Protocols and formats issued', answer: { status: 200, description: 'Capabilities', schema: capabilitiesSchema }, openBecause: describes },
  { method: 'get', path: '/credential-types', summary: 'Credential types (claims, EN/FR display)', answer: { status: 200, description: 'Types', schema: credentialTypesAnswerSchema }, openBecause: describes },
  { method: 'get', path: '/issuers', summary: 'Issuers and medical certifiers hosted here, with their DIDs', answer: { status: 200, description: 'Issuers', schema: issuersAnswerSchema }, openBecause: describes },
  { method: 'post', path: '/issuers/:key/offers', summary: 'Create a credential offer (OID4VCI offer URI or DIDComm invitation)', body: offerRequestSchema, answer: { status: 201, description: 'The offer', schema: createdOfferSchema }, admin: true },
  { method: 'get', path: '/issuers/:key/offers/:offerId', summary: 'Where an offer stands', answer: { status: 200, description: 'Offer state', schema: offerStateSchema }, admin: true },
  { method: 'post', path: '/certifiers/:key/certificates', summary: 'A certifier signs a medical certificate of death and sends it to the registrar', body: certifyRequestSchema, answer: { status: 201, description: "The registrar's answer", schema: registrationAnswerSchema }, admin: true },
  {
    method: 'post',
    path: '/registrars/:key/medical-certificates',
    summary: 'A registrar receives a signed medical certificate (mccd+jwt)',
    body: submitCertificateSchema,
    answer: { status: 201, description: 'The registration opened', schema: registrationAnswerSchema },
    openBecause: 'a certifier’s signed certificate: the signature and the trust registry decide',
  },
  { method: 'get', path: '/registrars/:key/registrations/:id', summary: 'A death registration', answer: { status: 200, description: 'Registration', schema: registrationAnswerSchema }, admin: true },
  { method: 'post', path: '/registrars/:key/registrations/:id/registration', summary: 'Register the death: offer the executor a death certificate, notify programs', body: registerDeathSchema, answer: { status: 201, description: 'Registered', schema: registeredDeathSchema }, admin: true },
  { method: 'post', path: '/registrars/:key/registrations/:id/correction', summary: 'Correct a registration: revoke its credentials, notify programs', body: correctionSchema, answer: { status: 200, description: 'Corrected', schema: correctedDeathSchema }, admin: true },
  { method: 'get', path: '/status/token/:listId', summary: 'IETF Token Status List (statuslist+jwt)', answer: { status: 200, description: 'Status list token', mediaType: 'application/statuslist+jwt' }, openBecause: statusLists },
  { method: 'get', path: '/status/bitstring/:listId', summary: 'W3C Bitstring Status List, revocation (vc+jwt)', answer: { status: 200, description: 'Status list credential', mediaType: 'application/vc+jwt' }, openBecause: statusLists },
  { method: 'get', path: '/status/bitstring/:listId/suspension', summary: 'W3C Bitstring Status List, suspension (vc+jwt)', answer: { status: 200, description: 'Status list credential', mediaType: 'application/vc+jwt' }, openBecause: statusLists },
  { method: 'get', path: '/notifications/jwks.json', summary: 'The key notifications are signed with', answer: { status: 200, description: 'JWKS', mediaType: 'application/jwk-set+json' }, openBecause: 'the key subscribers check notifications with' },
  { method: 'get', path: '/notifications/topics', summary: 'Topics published', answer: { status: 200, description: 'Topics', schema: topicsAnswerSchema }, openBecause: describes },
  { method: 'get', path: '/notifications/subscriptions', summary: 'Subscriptions', answer: { status: 200, description: 'Subscriptions', schema: subscriptionsAnswerSchema }, admin: true },
  { method: 'post', path: '/notifications/subscriptions', summary: 'Subscribe a program inbox', body: subscriptionInputSchema(), answer: { status: 201, description: 'Subscription', schema: subscriptionSchema }, admin: true },
  { method: 'delete', path: '/notifications/subscriptions/:id', summary: 'Unsubscribe', answer: { status: 204, description: 'Removed' }, admin: true },
  { method: 'get', path: '/notifications/deliveries', summary: 'The delivery log', query: deliveriesQuerySchema, answer: { status: 200, description: 'Deliveries', schema: deliveriesAnswerSchema }, admin: true },
  { method: 'post', path: '/notifications/events', summary: 'Publish an event to its subscribers', body: publishEventSchema(), answer: { status: 201, description: 'Published', schema: publishedEventSchema }, admin: true },
  { method: 'post', path: '/credentials/issue', summary: 'VC API: issue a credential', body: vcApiIssueRequestSchema, answer: { status: 201, description: 'Issued', schema: vcApiVerifiableCredentialSchema }, admin: true, errors: 'vc-api' },
  { method: 'post', path: '/credentials/derive', summary: 'VC API: derive a selectively disclosed ecdsa-sd-2023 credential', body: vcApiDeriveRequestSchema, answer: { status: 201, description: 'Derived', schema: vcApiVerifiableCredentialSchema }, admin: true, errors: 'vc-api' },
  { method: 'post', path: '/credentials/status', summary: 'VC API: update a credential’s status', body: vcApiUpdateStatusRequestSchema, answer: { status: 200, description: 'Updated', schema: z.looseObject({}) }, admin: true, errors: 'vc-api' },
  { method: 'get', path: '/status-lists/:id', summary: 'VC API: a BitstringStatusListCredential (Data Integrity, or vc+jwt by Accept)', answer: { status: 200, description: 'Status list credential', mediaType: 'application/vc' }, openBecause: statusLists, errors: 'vc-api' },
  { method: 'post', path: '/status-lists/:id/publish', summary: 'VC API: publish a status list', answer: { status: 204, description: 'Published (lists are re-signed on every change)' }, admin: true, errors: 'vc-api' },
  { method: 'get', path: '/vc-api/issuers', summary: 'VC API: each issuer’s DID per cryptosuite', answer: { status: 200, description: 'Issuers', schema: vcApiIssuersAnswerSchema }, openBecause: describes },
  { method: 'get', path: '/issuers/:key/did.jsonl', summary: 'did:webvh: the issuer’s DID log', answer: { status: 200, description: 'DID log (JSON Lines)', mediaType: 'text/jsonl' }, openBecause: webvh },
  { method: 'get', path: '/issuers/:key/resources/:resourceId', summary: 'did:webvh: an attested resource (AnonCreds schema, credential definition)', answer: { status: 200, description: 'Attested resource', schema: z.looseObject({}) }, openBecause: webvh },
  { method: 'get', path: '/contexts/credentials/v1', summary: 'The lab’s JSON-LD context', answer: { status: 200, description: 'JSON-LD context', mediaType: 'application/ld+json' }, openBecause: 'the lab’s JSON-LD context, for peers that process its credentials' },
]

export const issuerApi: ApiDescription = {
  service: 'issuer',
  title: 'Interop Lab issuer',
  description: 'Credential offers (OID4VCI, DIDComm v1), the death-notification pilot’s registrars and certifiers, status lists, notifications and the W3C VC API issuer.',
  operations,
}

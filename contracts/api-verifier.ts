import type { ApiDescription, Operation } from './openapi'
import { clockOperations } from './z-clock'
import { capabilitiesSchema, healthSchema } from './z-formats'
import { inboxAnswerSchema, inboxQuerySchema, inboxReceiptSchema, signedNotificationSchema } from './z-notifications'
import { vcApiVerificationResultSchema, vcApiVerifyCredentialRequestSchema, vcApiVerifyPresentationRequestSchema } from './z-vc-api'
import { createdVerificationSchema, createVerificationSchema, policiesAnswerSchema, programsAnswerSchema, verificationQuerySchema, verificationSchema, verifiersAnswerSchema } from './z-verifier'

const describes = 'what the service is and asks for'

/** Each program's inbox is its own route: `inboxes` are the program keys the verifier hosts. */
export function verifierApi(inboxes: readonly string[]): ApiDescription {
  const operations: Operation[] = [
    { method: 'get', path: '/health', summary: 'Liveness', answer: { status: 200, description: 'Up', schema: healthSchema }, openBecause: describes },
    { method: 'get', path: '/capabilities', summary: 'Protocols and formats requested', answer: { status: 200, description: 'Capabilities', schema: capabilitiesSchema }, openBecause: describes },
    {
      method: 'get',
      path: '/policies',
      summary: 'Verification policies (what is asked, why, and what is over-asked)',
      answer: { status: 200, description: 'Policies', schema: policiesAnswerSchema },
      openBecause: describes,
    },
    {
      method: 'get',
      path: '/verifiers',
      summary: 'Relying parties and the X.509 certificates their HAIP requests are signed with',
      answer: { status: 200, description: 'Verifiers', schema: verifiersAnswerSchema },
      openBecause: describes,
    },
    { method: 'get', path: '/programs', summary: 'Programs and their notification inboxes', answer: { status: 200, description: 'Programs', schema: programsAnswerSchema }, openBecause: describes },
    {
      method: 'post',
      path: '/verifications',
      summary: 'Start a verification: an OID4VP 1.0 request URI or a DIDComm out-of-band invitation, built from a policy',
      body: createVerificationSchema,
      answer: { status: 201, description: 'The request to hand the wallet', schema: createdVerificationSchema },
      openBecause: 'a relying party’s front end starts a verification and reads its decision by its unguessable id',
    },
    {
      method: 'get',
      path: '/verifications/:id',
      summary: 'Where a verification stands, and its decision with the trace of every check',
      query: verificationQuerySchema,
      answer: { status: 200, description: 'State and decision', schema: verificationSchema },
      openBecause: 'a relying party’s front end starts a verification and reads its decision by its unguessable id',
    },
    ...inboxes.flatMap((program): Operation[] => [
      {
        method: 'post',
        path: `/programs/${program}/inbox`,
        summary: `Deliver a signed notification (notification+jws) to ${program}`,
        body: signedNotificationSchema,
        answer: { status: 201, description: 'Stored (200: already received)', schema: inboxReceiptSchema },
        openBecause: 'notifications arrive as JWS signed by the publisher, checked against its JWKS',
      },
      {
        method: 'get',
        path: `/programs/${program}/inbox`,
        summary: `Notifications ${program} received (personal data); with \`after\` and \`wait\`, held until the next one arrives (long poll)`,
        query: inboxQuerySchema,
        answer: { status: 200, description: 'Notifications', schema: inboxAnswerSchema },
        admin: true,
      },
    ]),
    ...clockOperations({ admin: true }),
    {
      method: 'post',
      path: '/credentials/verify',
      summary: 'VC API: verify a credential',
      body: vcApiVerifyCredentialRequestSchema,
      answer: { status: 200, description: 'Verification result', schema: vcApiVerificationResultSchema },
      admin: true,
      errors: 'vc-api',
    },
    {
      method: 'post',
      path: '/presentations/verify',
      summary: 'VC API: verify a presentation',
      body: vcApiVerifyPresentationRequestSchema,
      answer: { status: 200, description: 'Verification result', schema: vcApiVerificationResultSchema },
      admin: true,
      errors: 'vc-api',
    },
  ]
  return {
    service: 'verifier',
    title: 'Interop Lab verifier',
    description: 'Verifications by policy over OID4VP 1.0 + DCQL or DIDComm v1 present-proof, each decided once with a trace; program inboxes; the W3C VC API verifier.',
    operations,
  }
}

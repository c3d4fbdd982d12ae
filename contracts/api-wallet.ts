import { z } from 'zod'
import type { ApiDescription, Operation } from './openapi'
import { clockOperations } from './z-clock'
import { capabilitiesSchema, healthSchema } from './z-formats'
import {
  acceptOfferSchema,
  answerRequestSchema,
  credentialsAnswerSchema,
  personasAnswerSchema,
  presentationOutcomeSchema,
  vcApiHolderSchema,
  vcApiKeepCredentialSchema,
  vcApiPresentRequestSchema,
  walletProviderAnswerSchema,
} from './z-wallet'

const lab = 'the simulator stands for its holders’ own devices: a lab tool, never published beyond the lab network'

const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness', answer: { status: 200, description: 'Up', schema: healthSchema }, openBecause: lab },
  { method: 'get', path: '/capabilities', summary: 'Protocols and formats the wallet speaks', answer: { status: 200, description: 'Capabilities', schema: capabilitiesSchema }, openBecause: lab },
  { method: 'get', path: '/personas', summary: 'The holders hosted, with their DIDs', answer: { status: 200, description: 'Personas', schema: personasAnswerSchema }, openBecause: lab },
  { method: 'get', path: '/personas/:id/credentials', summary: 'Credentials a persona holds', answer: { status: 200, description: 'Credentials', schema: credentialsAnswerSchema }, openBecause: lab },
  { method: 'delete', path: '/personas/:id/credentials', summary: 'Forget a persona’s credentials', answer: { status: 204, description: 'Forgotten' }, openBecause: lab },
  {
    method: 'get',
    path: '/wallet-provider',
    summary: 'The wallet provider’s root certificate, which issuers trust for this wallet’s attestations (HAIP)',
    answer: { status: 200, description: 'Wallet provider', schema: walletProviderAnswerSchema },
    openBecause: lab,
  },
  {
    method: 'post',
    path: '/personas/:id/offers',
    summary: 'Accept a credential offer (OID4VCI offer URI or DIDComm invitation)',
    body: acceptOfferSchema,
    answer: { status: 201, description: 'Credentials received', schema: credentialsAnswerSchema },
    openBecause: lab,
  },
  {
    method: 'post',
    path: '/personas/:id/presentations',
    summary: 'Answer a presentation request, optionally with a fault (Mallory)',
    body: answerRequestSchema,
    answer: { status: 200, description: 'What was submitted and what the verifier answered', schema: presentationOutcomeSchema },
    openBecause: lab,
  },
  {
    method: 'get',
    path: '/personas/:id/vc-api/holder',
    summary: 'VC API holder: the DID a VC API issuer binds the credential to',
    answer: { status: 200, description: 'Holder DID', schema: vcApiHolderSchema },
    openBecause: lab,
  },
  {
    method: 'post',
    path: '/personas/:id/vc-api/credentials',
    summary: 'VC API holder: keep a credential a VC API issuer signed',
    body: vcApiKeepCredentialSchema,
    answer: { status: 201, description: 'Kept', schema: z.object({ credential: z.unknown() }) },
    openBecause: lab,
  },
  ...clockOperations({ openBecause: lab }),
  {
    method: 'post',
    path: '/personas/:id/vc-api/presentations',
    summary: 'VC API holder: answer a Verifiable Presentation Request with a signed presentation',
    body: vcApiPresentRequestSchema,
    answer: { status: 200, description: 'The presentation', schema: z.object({ verifiablePresentation: z.unknown() }) },
    openBecause: lab,
  },
]

export const walletApi: ApiDescription = {
  service: 'wallet-sim',
  title: 'Interop Lab wallet simulator',
  description: 'Holder personas driven over HTTP: they accept offers and answer presentation requests, faithfully or (Mallory) with a fault.',
  operations,
}

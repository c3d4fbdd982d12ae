import { AnonCredsDidCommCredentialFormatService, type AnonCredsDidCommProofFormatService } from '@credo-ts/anoncreds'
import { type Agent, W3cCredentialsModule } from '@credo-ts/core'
import {
  DidCommAutoAcceptCredential,
  DidCommAutoAcceptProof,
  DidCommCredentialV2Protocol,
  type DidCommDifPresentationExchangeProofFormatService,
  DidCommHttpOutboundTransport,
  DidCommModule,
  DidCommProofV2Protocol,
} from '@credo-ts/didcomm'
import { WebVhAnonCredsRegistry } from '@credo-ts/webvh'
import type { Express } from 'express'
import { join } from 'node:path'
import { type AnonCredsBackendModule, createAnonCredsModule, FileAnonCredsRegistry, KeepingProofFormatService } from '../anoncreds'
import { ConnectionlessProblemReportsModule } from './ConnectionlessProblemReports'
import { credoDocumentLoader } from './credoDocumentLoader'
import { installDidExchangeResponseThread } from './didExchangeResponseThread'
import { ExpressInboundTransport } from './ExpressInboundTransport'
import { HolderBoundJsonLdFormatService } from './HolderBoundJsonLdFormatService'
import { LabJsonLdCredentialModule } from './LabJsonLdCredentialService'
import { LabPresentationExchangeFormatService } from './LabPresentationExchangeFormatService'
import { agentSettings } from '../config'

export interface DidCommAgentOptions {
  /** The service's express app: envelopes arrive at `path` on it. */
  app: Express
  path: string
  /** Where others reach the app (the service's public URL). */
  baseUrl: string
  /** A holder binds the JSON-LD credentials it accepts to this DID. */
  holderDid?: () => string | undefined
  /** Replaces the DIF Presentation Exchange format service (the fault-injecting wallet wraps it). */
  presentationExchange?: DidCommDifPresentationExchangeProofFormatService
  /** AnonCreds for issue-credential v2 and present-proof v2 (see `anonCredsModule`). */
  anoncreds: AnonCredsBackendModule
  /** Replaces the AnonCreds proof format service (the fault-injecting wallet wraps it). */
  anonCredsProofFormat?: AnonCredsDidCommProofFormatService
}

/**
 * The AnonCreds module of a DIDComm party: the native library when installed, else WASM. Schemas and credential
 * definitions are resolved over HTTP from their issuer's did:webvh (attested resources, issuer/anoncreds/webvh.ts), which
 * is where the lab issuer offers from; the file registry (INTEROP_ANONCREDS_REGISTRY_DIR, by default
 * `<data dir>/anoncreds-registry`) keeps only the material each issuer imports or generates under its did:jwk before
 * publishing it under its did:webvh. The did:webvh registry comes first: a bare did:webvh issuer id would match the
 * file registry's layout too.
 */
export function anonCredsModule(dataDir: string, onProgress?: (message: string) => void) {
  const directory = agentSettings().INTEROP_ANONCREDS_REGISTRY_DIR ?? join(dataDir, 'anoncreds-registry')
  return createAnonCredsModule({ registries: [new WebVhAnonCredsRegistry(), new FileAnonCredsRegistry(directory)], autoCreateLinkSecret: true, onProgress })
}

/**
 * The Credo modules of a DIDComm v1 party over HTTP: issue-credential v2 with W3C JSON-LD and AnonCreds credentials,
 * present-proof v2 with DIF Presentation Exchange and AnonCreds proofs, JSON-LD contexts served locally, and Bitstring Status
 * List checks. Exchanges start from out-of-band invitations without a connection; content is accepted
 * automatically only when it is what was offered or asked for.
 */
export function didCommModules(options: DidCommAgentOptions) {
  installDidExchangeResponseThread()
  return {
    didcomm: new DidCommModule({
      endpoints: [`${options.baseUrl}${options.path}`],
      transports: { inbound: [new ExpressInboundTransport(options.app, options.path)], outbound: [new DidCommHttpOutboundTransport()] },
      connections: { autoAcceptConnections: true },
      credentials: {
        autoAcceptCredentials: DidCommAutoAcceptCredential.ContentApproved,
        credentialProtocols: [new DidCommCredentialV2Protocol({ credentialFormats: [new HolderBoundJsonLdFormatService(options.holderDid), new AnonCredsDidCommCredentialFormatService()] })],
      },
      proofs: {
        autoAcceptProofs: DidCommAutoAcceptProof.ContentApproved,
        proofProtocols: [
          new DidCommProofV2Protocol({
            proofFormats: [options.presentationExchange ?? new LabPresentationExchangeFormatService(), options.anonCredsProofFormat ?? new KeepingProofFormatService()],
          }),
        ],
      },
      mediator: false,
      mediationRecipient: false,
    }),
    w3cCredentials: new W3cCredentialsModule({ documentLoader: credoDocumentLoader }),
    jsonLdCredentials: new LabJsonLdCredentialModule(),
    connectionlessProblemReports: new ConnectionlessProblemReportsModule(),
    anoncreds: options.anoncreds,
  }
}

export type DidCommModules = ReturnType<typeof didCommModules>

/** The `agent.didcomm` API of an agent built with these modules. */
export type DidCommAgentApi = Agent<DidCommModules>['didcomm']

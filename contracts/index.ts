/**
 * The lab's wire contracts: zod schemas for every lab HTTP API and every message between parties, validated on both
 * sides (services parse requests, the runner and drivers parse answers), and the source of each service's OpenAPI
 * document (`openapi.ts`).
 */
export * from './z-formats'
export * from './z-problem'
export * from './z-issuer'
export * from './z-notifications'
export * from './z-verifier'
export * from './z-wallet'
export * from './z-trust-registry'
export * from './z-vc-api'
export * from './z-clock'
export * from './z-haip'
export * from './openapi'
export * from './api-issuer'
export * from './api-verifier'
export * from './api-wallet'
export * from './api-trust-registry'

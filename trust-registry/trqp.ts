/**
 * The registry's query protocol, modelled on ToIP TRQP v2: the queries, the answers, and the JWS type the answers are
 * signed under. The schemas are wire contracts (contracts/z-trust-registry.ts); shared by the registry and its client.
 */
export {
  type AnswerBase,
  type AssuranceStatement,
  type AuthorizationAnswer,
  type AuthorizationQuery,
  authorizationQuerySchema,
  type RecognitionAnswer,
  type RecognitionQuery,
  recognitionQuerySchema,
  type RegistryReference,
  type SignedAnswer,
  TRQP_JWS_TYPE,
} from '@interop-lab/contracts'

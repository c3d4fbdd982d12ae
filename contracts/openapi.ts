import { z } from 'zod'
import { problemSchema, PROBLEM_MEDIA_TYPE } from './z-problem'

/**
 * OpenAPI 3.1 documents generated from the contracts: each service lists its operations once (`operations/*.ts`), and
 * its document, its docs page, the route inventory of the security and fuzz tests and the check that the routes it
 * registers are the ones documented all come from that list.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

interface Answer {
  status: number
  description: string
  /** The body's schema; absent for an answer without a body (204) or one described by `mediaType` alone. */
  schema?: z.ZodType
  /** Default `application/json`. */
  mediaType?: string
}

interface OperationBase {
  method: HttpMethod
  /** The path as express registers it (`/issuers/:key/offers`); the document writes `{key}`. */
  path: string
  summary: string
  body?: z.ZodType
  /** Query parameters, one per field. */
  query?: z.ZodObject
  answer: Answer
  /**
   * How the operation's errors are written: the lab's problem details, or those of the W3C VC API (RFC 9457 problems
   * with the VC API's and VCDM's types, and a verifier's verification result on a 400).
   */
  errors?: 'lab' | 'vc-api'
}
/** An operation needs the admin API key (`Authorization: Bearer <key>`), or is open to anyone, on purpose: say why. */
export type Operation = OperationBase & ({ admin: true; openBecause?: never } | { admin?: never; openBecause: string })

export type RouteName = `${string} ${string}`
export const routeNameOf = (operation: Pick<Operation, 'method' | 'path'>): RouteName => `${operation.method.toUpperCase()} ${operation.path}`

/**
 * Protocol endpoints (OID4VCI, OID4VP, DIDComm, and their metadata: OID4VCI §12.2, RFC 8414, SD-JWT VC §5), specified by
 * their own standards and served by Credo and the lab's guards in front of it: not part of a service's lab API, so not
 * in its document.
 */
export const isProtocolRoute = (route: RouteName) =>
  /^\w+ \/(oid4vci|oid4vp|didcomm|\.well-known\/(openid-credential-issuer|oauth-authorization-server|jwt-vc-issuer)\/oid4vci)\//.test(route) || /^POST \/didcomm$/.test(route)

/** The two operations every service serves about itself. */
export const apiDocsOperations: Operation[] = [
  { method: 'get', path: '/openapi.json', summary: 'This OpenAPI document', answer: { status: 200, description: 'OpenAPI 3.1' }, openBecause: 'the API description' },
  { method: 'get', path: '/docs', summary: 'The operations, as a page', answer: { status: 200, description: 'HTML', mediaType: 'text/html' }, openBecause: 'the API description' },
]

const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}')
const pathParameters = (path: string) => [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return []
  return Object.entries(query.shape).map(([name, field]) => ({ name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: jsonSchemaOf(field as z.ZodType, 'input') }))
}
const content = (mediaType: string, schema: z.ZodType | undefined, io: 'input' | 'output') => ({ [mediaType]: schema ? { schema: jsonSchemaOf(schema, io) } : {} })

export interface ApiDescription {
  /** `issuer`, `verifier`, `wallet-sim`, `trust-registry`. */
  service: string
  title: string
  description: string
  operations: Operation[]
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>
/** An operation as the document writes it: `security` empty when it is open to anyone. */
type DocumentedOperation = { security: unknown[] } & Record<string, unknown>
type Paths = Record<string, Record<string, DocumentedOperation>>

export function openApiDocument(api: ApiDescription, serverUrl?: string) {
  const paths: Paths = {}
  for (const operation of [...api.operations, ...apiDocsOperations]) {
    const errorMediaType = PROBLEM_MEDIA_TYPE
    const errors = operation.errors === 'vc-api' ? 'RFC 9457 problem details with the W3C VC API and VCDM 2.0 error types' : 'RFC 9457 problem details; `code` says which check refused'
    paths[openApiPath(operation.path)] ??= {}
    paths[openApiPath(operation.path)][operation.method] = {
      operationId: `${operation.method}${operation.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: operation.summary,
      ...(operation.admin ? { security: [{ adminApiKey: [] }] } : { security: [], 'x-open-because': operation.openBecause }),
      parameters: [...pathParameters(operation.path), ...queryParameters(operation.query)],
      ...(operation.body ? { requestBody: { required: true, content: content('application/json', operation.body, 'input') } } : {}),
      responses: {
        [operation.answer.status]: {
          description: operation.answer.description,
          ...(operation.answer.schema || operation.answer.mediaType ? { content: content(operation.answer.mediaType ?? 'application/json', operation.answer.schema, 'output') } : {}),
        },
        '4XX': { description: errors, content: { [errorMediaType]: { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: api.title,
      version: '0.1.0',
      description: `${api.description}\n\nProtocol endpoints (OID4VCI, OID4VP, DIDComm) are specified by their standards and not listed here.`,
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { adminApiKey: { type: 'http', scheme: 'bearer', description: 'The operator API key (INTEROP_ADMIN_API_KEY)' } },
      schemas: { Problem: jsonSchemaOf(problemSchema, 'output') },
    },
  }
}

/** Every documented operation of a document, as `METHOD /path/:param` (the form express lists its routes in). */
export function documentedRoutes(document: { paths: Paths }): RouteName[] {
  return Object.entries(document.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method): RouteName => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
    .sort()
}

/** The operations of a document that need the admin API key. */
export function adminRoutes(document: { paths: Paths }): RouteName[] {
  return Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.security.length)
        .map(([method]): RouteName => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort()
}

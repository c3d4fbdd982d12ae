import { z } from 'zod'

/**
 * The lab's one error format, RFC 9457 problem details (`application/problem+json`), with the lab's `code` as an
 * extension member. OAuth 2.0 / OID4VCI / OID4VP endpoints answer in the format their specifications require instead.
 */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

export const problemSchema = z.looseObject({
  /** RFC 9457 §3.1.1: a URI naming the problem type; the lab's are `https://interop-lab.ca/problems#<code>`. */
  type: z.string(),
  /** RFC 9457 §3.1.3: the same for every occurrence of the type. */
  title: z.string(),
  /** RFC 9457 §3.1.2: the HTTP status code. */
  status: z.number().int().min(400).max(599),
  /** RFC 9457 §3.1.4: this occurrence, in words a caller can act on. */
  detail: z.string(),
  /** The machine-readable code, from the service's code union. */
  code: z.string(),
  /** Field-level findings (a request body that does not parse: one entry per invalid field). */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  // Deprecated extension members (RFC 9457 §3.2), kept for clients written against the lab's earlier
  // `{error, message, details}` shape; the lab's own clients (runner, dashboard) read the members above
  error: z.string().optional().meta({ deprecated: true, description: 'Deprecated: the same as `code`.' }),
  message: z.string().optional().meta({ deprecated: true, description: 'Deprecated: the same as `detail`.' }),
  details: z.unknown().optional().meta({ deprecated: true, description: 'Deprecated: the findings (the same as `errors` when a request did not parse).' }),
})
export type Problem = z.infer<typeof problemSchema>

export const problemTypeOf = (code: string) => `https://interop-lab.ca/problems#${code}`

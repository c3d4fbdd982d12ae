import { z } from 'zod'
import { callConfigured, httpCallSchema, jsonPath, oid4vcColumns, probe, profilesSchema, resolveHeaders, stringAt, valueAt } from './httpCall'
import type { HandoffBoard } from '../handoffs'
import { DriverError, type VerifierDriver } from './types'

/**
 * Any OID4VP 1.0 verifier, driven only by the standard protocol: its requests come from a configured call to its own
 * API (placeholders {{policy}}, {{format}}, {{protocol}}, {{profile}}), the wallet answers over OID4VP, and the verdict is read from
 * a configured result call (placeholder {{id}}) or, without one, from what the verifier answered the wallet. With
 * `"request": "manual"`, a person pastes (or scans) each request in the dashboard.
 */
export const oid4vpHttpConfig = z.strictObject({
  role: z.literal('verifier'),
  driver: z.literal('oid4vp-http'),
  url: z.url({ protocol: /^https?$/ }),
  formats: z.array(z.enum(['dc+sd-jwt', 'jwt_vc_json'])).min(1),
  profiles: profilesSchema,
  request: z.union([
    httpCallSchema.extend({
      /** Where the answer carries the request URI (openid4vp://…?request_uri=…). */
      requestUriPath: jsonPath,
      /** Where the answer carries the handle the result call needs as {{id}}. */
      idPath: jsonPath.optional(),
    }),
    z.literal('manual'),
  ]),
  /** How long to wait for a person to paste a `manual` request. */
  timeoutSeconds: z.number().int().positive().max(3600).default(300),
  result: httpCallSchema
    .extend({
      method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('GET'),
      outcomePath: jsonPath,
      /** The values at outcomePath that mean the presentation was accepted. */
      acceptedValues: z
        .array(z.union([z.string(), z.boolean()]))
        .min(1)
        .default(['accepted', true]),
      failedChecksPath: jsonPath.optional(),
      reasonPath: jsonPath.optional(),
    })
    .optional(),
})
export type Oid4vpHttpConfig = z.infer<typeof oid4vpHttpConfig>

export function oid4vpHttpVerifier(name: string, config: Oid4vpHttpConfig, env: NodeJS.ProcessEnv, where: string, handoffs?: HandoffBoard): VerifierDriver {
  const call = config.request
  if (call === 'manual' && config.result) throw new Error(`${where}.result: a "manual" request has no id for a result call; the verdict is read from the verifier's answer to the wallet`)
  const requestHeaders = call === 'manual' ? {} : resolveHeaders(call, env, `${where}.request`)
  const resultHeaders = config.result ? resolveHeaders(config.result, env, `${where}.result`) : {}
  const implementation = `oid4vp-http@${name}`
  return {
    implementation,
    url: config.url,
    async describe() {
      await probe(config.url, `verifier ${name}`)
      return { protocols: oid4vcColumns(config.formats, config.profiles), abilities: [] }
    },
    async request(policy, format, protocol, profile) {
      if (protocol !== 'oid4vc') throw new DriverError('unsupported', `${implementation} verifies over OID4VP only, not ${protocol}`)
      if (call === 'manual') {
        if (!handoffs) throw new DriverError('unsupported', `${implementation}: "manual" requests are pasted in the dashboard, which this run did not start`)
        const { uri } = await handoffs.ask('request', name, { policy, format }, config.timeoutSeconds)
        return { id: uri, requestUri: uri }
      }
      const answer = await callConfigured(call, requestHeaders, { policy, format, protocol, profile: profile ?? '' })
      const requestUri = stringAt(answer, call.requestUriPath, 'request URI')
      return { id: call.idPath ? stringAt(answer, call.idPath, 'request id') : requestUri, requestUri }
    },
    async verdict(request, walletOutcome) {
      const result = config.result
      if (result) {
        const answer = await callConfigured(result, resultHeaders, { id: request.id })
        const outcome = valueAt(answer, result.outcomePath)
        if (outcome === undefined || outcome === null) return undefined
        const failedChecks = result.failedChecksPath ? valueAt(answer, result.failedChecksPath) : undefined
        const reason = result.reasonPath ? valueAt(answer, result.reasonPath) : undefined
        return {
          outcome: result.acceptedValues.includes(outcome as string | boolean) ? 'accepted' : 'rejected',
          failedChecks: Array.isArray(failedChecks) ? failedChecks.map(String) : undefined,
          reason: reason === undefined ? undefined : String(reason),
          source: 'result',
        }
      }
      // no result to read: the verifier's HTTP answer to the wallet's response (OID4VP 1.0 §8.2) is its verdict
      if (!walletOutcome.submitted && walletOutcome.verifierStatus === undefined) return undefined
      const status = walletOutcome.verifierStatus
      const redirectUri = valueAt(walletOutcome.verifierResponse, 'redirect_uri')
      const answered = `HTTP ${status ?? 'no status'}${typeof redirectUri === 'string' ? ` with redirect_uri ${redirectUri}` : ''}`
      return {
        outcome: status !== undefined && status >= 200 && status < 300 ? 'accepted' : 'rejected',
        reason: `read from the verifier's answer to the wallet (${answered}); it names no failed check`,
        source: 'wallet-answer',
      }
    },
  }
}

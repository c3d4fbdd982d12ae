import { z } from 'zod'
import { callConfigured, httpCallSchema, jsonPath, oid4vcColumns, placeholdersOf, probe, profilesSchema, resolveHeaders, stringAt, valueAt } from './httpCall'
import type { HandoffBoard } from '../handoffs'
import { DriverError, type IssuerDriver } from './types'

/**
 * Any OID4VCI 1.0 credential issuer, driven only by the standard protocol: its offers come from a configured call to
 * its own API (placeholders {{issuer}}, {{credentialType}}, {{claims}}, {{format}}, {{protocol}}, {{profile}}, {{validUntil}}), and
 * the wallet redeems them over OID4VCI. With `"offer": "manual"`, a person pastes (or scans) each offer in the dashboard.
 */
export const oid4vciHttpConfig = z.strictObject({
  role: z.literal('issuer'),
  driver: z.literal('oid4vci-http'),
  /** The credential issuer identifier (its metadata lives under /.well-known/openid-credential-issuer). */
  url: z.url({ protocol: /^https?$/ }),
  formats: z.array(z.enum(['dc+sd-jwt', 'jwt_vc_json'])).min(1),
  profiles: profilesSchema,
  offer: z.union([
    httpCallSchema.extend({
      /** Where the answer carries the offer URI (openid-credential-offer://…). */
      offerUriPath: jsonPath,
      /** Where the answer carries the transaction code, when the offer needs one. */
      txCodePath: jsonPath.optional(),
    }),
    z.literal('manual'),
  ]),
  /** How long to wait for a person to paste a `manual` offer. */
  timeoutSeconds: z.number().int().positive().max(3600).default(300),
})
export type Oid4vciHttpConfig = z.infer<typeof oid4vciHttpConfig>

export function oid4vciHttpIssuer(name: string, config: Oid4vciHttpConfig, env: NodeJS.ProcessEnv, where: string, handoffs?: HandoffBoard): IssuerDriver {
  const call = config.offer
  const headers = call === 'manual' ? {} : resolveHeaders(call, env, `${where}.offer`)
  const implementation = `oid4vci-http@${name}`
  return {
    implementation,
    url: config.url,
    async describe() {
      await probe(`${config.url.replace(/\/$/, '')}/.well-known/openid-credential-issuer`, `issuer ${name}`)
      return { protocols: oid4vcColumns(config.formats, config.profiles), abilities: call !== 'manual' && placeholdersOf(call).has('validUntil') ? ['validity'] : [] }
    },
    async offer(request) {
      if (request.protocol !== 'oid4vc') throw new DriverError('unsupported', `${implementation} issues over OID4VCI only, not ${request.protocol}`)
      const { issuer, credentialType, claims, format, protocol, profile = '', validUntil } = request
      if (call === 'manual') {
        if (!handoffs) throw new DriverError('unsupported', `${implementation}: "manual" offers are pasted in the dashboard, which this run did not start`)
        const { uri, txCode } = await handoffs.ask('offer', name, { issuer, credentialType, format, claims }, config.timeoutSeconds)
        return { offerUri: uri, txCode }
      }
      const answer = await callConfigured(call, headers, { issuer, credentialType, claims, format, protocol, profile, validUntil })
      const txCode = call.txCodePath ? valueAt(answer, call.txCodePath) : undefined
      return { offerUri: stringAt(answer, call.offerUriPath, 'credential offer URI'), txCode: typeof txCode === 'string' ? txCode : undefined }
    },
  }
}

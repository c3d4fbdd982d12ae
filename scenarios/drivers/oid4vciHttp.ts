import { z } from 'zod'
import { callConfigured, httpCallSchema, jsonPath, placeholdersOf, probe, resolveHeaders, stringAt, valueAt } from './httpCall'
import { DriverError, type IssuerDriver } from './types'

/**
 * Any OID4VCI 1.0 credential issuer, driven only by the standard protocol: its offers come from a configured call to
 * its own API (placeholders {{issuer}}, {{credentialType}}, {{claims}}, {{format}}, {{protocol}}, {{validUntil}}), and
 * the wallet redeems them over OID4VCI.
 */
export const oid4vciHttpConfig = z.strictObject({
  role: z.literal('issuer'),
  driver: z.literal('oid4vci-http'),
  /** The credential issuer identifier (its metadata lives under /.well-known/openid-credential-issuer). */
  url: z.url({ protocol: /^https?$/ }),
  formats: z.array(z.enum(['dc+sd-jwt', 'jwt_vc_json'])).min(1),
  offer: httpCallSchema.extend({
    /** Where the answer carries the offer URI (openid-credential-offer://…). */
    offerUriPath: jsonPath,
    /** Where the answer carries the transaction code, when the offer needs one. */
    txCodePath: jsonPath.optional(),
  }),
})
export type Oid4vciHttpConfig = z.infer<typeof oid4vciHttpConfig>

export function oid4vciHttpIssuer(name: string, config: Oid4vciHttpConfig, env: NodeJS.ProcessEnv, where: string): IssuerDriver {
  const headers = resolveHeaders(config.offer, env, `${where}.offer`)
  const implementation = `oid4vci-http@${name}`
  return {
    implementation,
    url: config.url,
    async describe() {
      await probe(`${config.url.replace(/\/$/, '')}/.well-known/openid-credential-issuer`, `issuer ${name}`)
      return { protocols: { oid4vc: config.formats }, abilities: placeholdersOf(config.offer).has('validUntil') ? ['validity'] : [] }
    },
    async offer(request) {
      if (request.protocol !== 'oid4vc') throw new DriverError('unsupported', `${implementation} issues over OID4VCI only, not ${request.protocol}`)
      const { issuer, credentialType, claims, format, protocol, validUntil } = request
      const answer = await callConfigured(config.offer, headers, { issuer, credentialType, claims, format, protocol, validUntil })
      const txCode = config.offer.txCodePath ? valueAt(answer, config.offer.txCodePath) : undefined
      return { offerUri: stringAt(answer, config.offer.offerUriPath, 'credential offer URI'), txCode: typeof txCode === 'string' ? txCode : undefined }
    },
  }
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const party = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  name: z.object({ en: z.string(), fr: z.string() }),
  jurisdiction: z.string().regex(/^CA(-[A-Z]{2})?$/),
})
const jurisdictionIssuer = party.extend({ credentialTypes: z.array(z.string()).min(1) })
export type JurisdictionIssuer = z.infer<typeof jurisdictionIssuer>
/** A physician's or coroner's office that certifies deaths to a registrar. */
export type MedicalCertifier = z.infer<typeof party>

const hosted = z.object({ issuers: z.array(jurisdictionIssuer), certifiers: z.array(party).default([]) })
export type HostedParties = z.infer<typeof hosted>

/** The jurisdictions' issuers and certifiers this service hosts, from data (issuer/jurisdictions.json by default). */
export function loadHostedParties(file = join(import.meta.dirname, 'jurisdictions.json')): HostedParties {
  return hosted.parse(JSON.parse(readFileSync(file, 'utf8')))
}

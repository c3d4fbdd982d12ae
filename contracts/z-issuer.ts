import { z } from 'zod'
import { credentialFormatSchema, didCommConnectionSchema, localizedTextSchema, profileSchema, protocolSchema, requestableFormatSchema } from './z-formats'

/** The issuer's control API: credential offers, and the death-notification pilot's certificates, registrations and corrections. */

export const offerRequestSchema = z.strictObject({
  credentialType: z.string().min(1),
  format: requestableFormatSchema,
  /** OID4VCI (a credential offer URI) or DIDComm v1 (an out-of-band invitation URL carrying the offer); by default the format's own. */
  protocol: protocolSchema.optional(),
  /** DIDComm only: the offer attached to a connectionless invitation (default) or to one asking for a DID Exchange 1.1 connection first. */
  connection: didCommConnectionSchema.optional(),
  claims: z.record(z.string(), z.unknown()),
  /** ISO date-time; a past value issues an already expired credential (for negative tests). */
  validUntil: z.iso.datetime({ offset: true }).optional(),
  /** Require a transaction code delivered out of band (default true; OID4VCI only). */
  txCode: z.boolean().default(true),
  /** dc+sd-jwt only: signed by the issuer's DID key (`did`, default) or ES256 under its jurisdiction's X.509 root, with x5c (`x509`). */
  signing: z.enum(['did', 'x509']).optional(),
  /** OID4VCI only: the offer follows this profile (`haip`: x509/ES256 signing, authorization code flow with PAR, PKCE, DPoP and wallet attestation). */
  profile: profileSchema.optional(),
})
export type OfferRequest = z.infer<typeof offerRequestSchema>

export const createdOfferSchema = z.object({
  offerId: z.string(),
  offerUri: z.string(),
  txCode: z.string().optional(),
  credentialType: z.string(),
  format: z.string(),
  protocol: protocolSchema,
})
export type CreatedOffer = z.infer<typeof createdOfferSchema>

export const offerStateSchema = z.object({ offerId: z.string(), state: z.string(), errorMessage: z.string().nullish() })

/** A party the issuer service hosts: a jurisdiction's issuer, or a physician's or coroner's office that certifies deaths. */
const hostedPartySchema = z.looseObject({ key: z.string(), name: localizedTextSchema, jurisdiction: z.string(), did: z.string() })
export const hostedIssuerSchema = hostedPartySchema.extend({
  credentialTypes: z.array(z.string()),
  credentialIssuer: z.url(),
  /** The issuer id of its AnonCreds objects (same key as `did`); absent when the issuer is published at an IP address, which did:webvh does not allow. */
  webvhDid: z.string().startsWith('did:webvh:').optional(),
})
export type HostedIssuer = z.infer<typeof hostedIssuerSchema>
export const issuersAnswerSchema = z.object({ issuers: z.array(hostedIssuerSchema), certifiers: z.array(hostedPartySchema) })
export const credentialTypesAnswerSchema = z.object({ credentialTypes: z.array(z.looseObject({ id: z.string() })) })

// death notification pilot: a certifier's medical certificate, the registrar's registration and correction

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')

/** What a physician or coroner certifies: the medical certificate of death (MCCD) sent to the registrar. */
export const medicalCertificateSchema = z.strictObject({
  registrar: z.string().regex(/^[a-z0-9-]+$/),
  certifier_role: z.enum(['physician', 'coroner', 'nurse-practitioner', 'medical-examiner']),
  /** Where the death occurred: the registrar of that jurisdiction registers it. */
  jurisdiction: z.string().regex(/^CA-[A-Z]{2}$/),
  deceased: z.strictObject({
    given_name: z.string().min(1).max(200),
    family_name: z.string().min(1).max(200),
    birth_date: date,
    social_insurance_number: z
      .string()
      .regex(/^\d{3}-?\d{3}-?\d{3}$/)
      .optional(),
  }),
  date_of_death: date,
  place_of_death: z.string().min(1).max(300),
  cause_of_death: z.string().min(1).max(500),
})
export type MedicalCertificate = z.infer<typeof medicalCertificateSchema>

export const certifyRequestSchema = z.strictObject({
  certificate: medicalCertificateSchema,
  /** Another jurisdiction's issuer service, when the registrar is not hosted here. */
  registrarUrl: z.url().optional(),
})
/** The signed certificate (a compact JWS, `typ` mccd+jwt) as a certifier sends it to the registrar. */
export const submitCertificateSchema = z.strictObject({ certificate: z.string().min(10).max(20_000) })
export const registerDeathSchema = z.strictObject({
  executor: z.strictObject({ given_name: z.string().min(1).max(200), family_name: z.string().min(1).max(200) }),
  format: credentialFormatSchema.default('dc+sd-jwt'),
  /** By default the format's own protocol. */
  protocol: protocolSchema.optional(),
  /** dc+sd-jwt only: how the credential is signed (as an offer's `signing`). */
  signing: z.enum(['did', 'x509']).optional(),
  /** OID4VCI only: the executor's offer follows this profile (as an offer's `profile`). */
  profile: profileSchema.optional(),
})
export const correctionSchema = z.strictObject({ reason: z.string().min(3).max(1000) })

export const registrationSchema = z.object({
  id: z.string(),
  registrarKey: z.string(),
  certifierDid: z.string(),
  certificate: medicalCertificateSchema,
  state: z.enum(['certified', 'registered', 'corrected']),
  registrationNumber: z.string().optional(),
  correctionReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export const registrationAnswerSchema = z.object({ registration: registrationSchema })
/** What the programs were told: the event published and how many deliveries it queued. */
const notificationSentSchema = z.object({ eventId: z.string(), deliveries: z.number().int() })
export const registeredDeathSchema = z.object({ registration: registrationSchema.extend({ registrationNumber: z.string() }), offer: createdOfferSchema, notification: notificationSentSchema })
export const correctedDeathSchema = z.object({ registration: registrationSchema, revoked: z.number().int(), notification: notificationSentSchema })

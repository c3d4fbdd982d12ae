import { z } from 'zod'

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
    social_insurance_number: z.string().regex(/^\d{3}-?\d{3}-?\d{3}$/).optional(),
  }),
  date_of_death: date,
  place_of_death: z.string().min(1).max(300),
  cause_of_death: z.string().min(1).max(500),
})
export type MedicalCertificate = z.infer<typeof medicalCertificateSchema>

export const MEDICAL_CERTIFICATE_JWS_TYPE = 'mccd+jwt'
/** How long after (or before, for clock skew) its `iat` a certificate is accepted, in seconds. */
export const MEDICAL_CERTIFICATE_MAX_AGE_SECONDS = 600
export const MEDICAL_CERTIFICATE_TYPE = 'MedicalCertificateOfDeath'

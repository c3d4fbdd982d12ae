export { type MedicalCertificate, medicalCertificateSchema } from '@interop-lab/contracts'

export const MEDICAL_CERTIFICATE_JWS_TYPE = 'mccd+jwt'
/** How long after (or before, for clock skew) its `iat` a certificate is accepted, in seconds. */
export const MEDICAL_CERTIFICATE_MAX_AGE_SECONDS = 600
export const MEDICAL_CERTIFICATE_TYPE = 'MedicalCertificateOfDeath'

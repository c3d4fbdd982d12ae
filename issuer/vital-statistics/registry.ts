import { randomInt, randomUUID } from 'node:crypto'
import type { Clock } from '@interop-lab/common/clock'
import type { Agent } from '@credo-ts/core'
import { decodeProtectedHeader } from 'jose'
import type { Database } from '@interop-lab/common/db'
import { verifyWithDid } from '@interop-lab/common/didKeys'
import { DomainError } from '@interop-lab/common/errors'
import { parseInput } from '@interop-lab/common/http'
import type { CreatedOffer } from '../offers'
import type { JurisdictionIssuer } from '../jurisdictions'
import { MEDICAL_CERTIFICATE_JWS_TYPE, MEDICAL_CERTIFICATE_MAX_AGE_SECONDS, MEDICAL_CERTIFICATE_TYPE, type MedicalCertificate, medicalCertificateSchema } from './certificate'

export type RegistrationState = 'certified' | 'registered' | 'corrected'

export interface DeathRegistration {
  id: string
  registrarKey: string
  certifierDid: string
  certificate: MedicalCertificate
  state: RegistrationState
  registrationNumber?: string
  correctionReason?: string
  createdAt: string
  updatedAt: string
}

interface Row extends Record<string, unknown> {
  id: string
  registrar_key: string
  certifier_did: string
  certificate: string
  state: RegistrationState
  registration_number: string | null
  correction_reason: string | null
  created_at: string
  updated_at: string
}

const toRegistration = (row: Row): DeathRegistration => ({
  id: row.id,
  registrarKey: row.registrar_key,
  certifierDid: row.certifier_did,
  certificate: JSON.parse(row.certificate) as MedicalCertificate,
  state: row.state,
  registrationNumber: row.registration_number ?? undefined,
  correctionReason: row.correction_reason ?? undefined,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export interface DeathRegistryDependencies {
  agent: Agent
  db: Database
  /** The time medical certificates' freshness is judged at. */
  clock: Clock
  registrars: JurisdictionIssuer[]
  /** May this DID certify deaths in this jurisdiction? (the trust registry's answer) */
  certifierAuthorized(did: string, jurisdiction: string): Promise<{ authorized: boolean; message: string }>
  /** Offers the death-registration credential, its status tracked under `credentialRef`. */
  offerCredential(
    registrar: JurisdictionIssuer,
    request: { format: string; protocol: string; signing?: string; profile?: string; claims: Record<string, unknown> },
    credentialRef: string,
  ): Promise<CreatedOffer>
  /** Revokes every credential issued under `credentialRef`; returns how many. */
  revokeCredentials(credentialRef: string): Promise<number>
  publish(event: { topic: string; jurisdiction: string; data: Record<string, unknown> }): Promise<{ eventId: string; deliveries: number }>
}

const credentialRefFor = (registration: { id: string }) => `death-registration:${registration.id}`

/** Why the registry refused, by check; the HTTP edge answers it as a problem, its status from the kind. */
export type RegistrationErrorCode =
  | 'unknown_registrar'
  | 'unknown_registration'
  | 'invalid_certificate'
  | 'invalid_signature'
  | 'stale_certificate'
  | 'wrong_registrar'
  | 'wrong_jurisdiction'
  | 'untrusted_certifier'
  | 'missing_jti'
  | 'replayed_certificate'
  | 'invalid_state'
export class RegistrationError extends DomainError<RegistrationErrorCode> {}

/**
 * A provincial vital-statistics registrar: receives signed medical certificates of death, registers
 * the death, issues the death-registration credential to the executor, notifies subscribed programs,
 * and on correction revokes what it issued and tells the programs.
 */
export class DeathRegistry {
  public constructor(private readonly deps: DeathRegistryDependencies) {}

  public registrar(key: string): JurisdictionIssuer {
    const registrar = this.deps.registrars.find((r) => r.key === key && r.credentialTypes.includes('DeathRegistrationCredential'))
    if (!registrar) throw new RegistrationError('not-found', 'unknown_registrar', `No vital-statistics registrar '${key}' here`)
    return registrar
  }

  public async get(registrarKey: string, id: string): Promise<DeathRegistration> {
    const [row] = await this.deps.db.query<Row>('SELECT * FROM death_registrations WHERE id = ? AND registrar_key = ?', [id, registrarKey])
    if (!row) throw new RegistrationError('not-found', 'unknown_registration', `No death registration ${id} at ${registrarKey}`)
    return toRegistration(row)
  }

  /** Accepts a medical certificate of death signed by an authorized certifier. */
  public async receiveCertificate(registrarKey: string, jws: string): Promise<DeathRegistration> {
    const registrar = this.registrar(registrarKey)
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(jws)
    } catch {
      throw new RegistrationError('invalid', 'invalid_certificate', 'The medical certificate is not a compact JWS')
    }
    if (header.typ !== MEDICAL_CERTIFICATE_JWS_TYPE) throw new RegistrationError('invalid', 'invalid_certificate', `The medical certificate must have typ ${MEDICAL_CERTIFICATE_JWS_TYPE}`)
    const { payload, did } = await verifyWithDid(this.deps.agent, jws).catch((error: unknown) => {
      // what resolving the signer's DID met (a refused host, a closed port) is logged, never answered: no port scanning through us
      console.warn(`[medical-certificate] signature not verified: ${error instanceof Error ? error.message : String(error)}`)
      throw new RegistrationError('unauthenticated', 'invalid_signature', "The medical certificate's signature could not be verified with a key of the DID its kid names (RFC 7515 §5.2)")
    })
    const { iat, jti, ...certified } = payload
    if (typeof iat !== 'number' || Math.abs(this.deps.clock.now().getTime() / 1000 - iat) > MEDICAL_CERTIFICATE_MAX_AGE_SECONDS) {
      throw new RegistrationError('invalid', 'stale_certificate', 'The medical certificate must be signed within the last 10 minutes (iat)')
    }
    const certificate = parseInput(medicalCertificateSchema, certified)
    if (certificate.registrar !== registrarKey) throw new RegistrationError('invalid', 'wrong_registrar', `The certificate is addressed to ${certificate.registrar}, not ${registrarKey}`)
    if (certificate.jurisdiction !== registrar.jurisdiction) {
      throw new RegistrationError('unprocessable', 'wrong_jurisdiction', `A death in ${certificate.jurisdiction} is not registered by ${registrar.name.en} (${registrar.jurisdiction})`)
    }
    const trust = await this.deps.certifierAuthorized(did, certificate.jurisdiction)
    if (!trust.authorized) throw new RegistrationError('forbidden', 'untrusted_certifier', `The certifier is not authorized to certify deaths in ${certificate.jurisdiction}: ${trust.message}`)
    if (typeof jti !== 'string' || !jti || jti.length > 200) {
      throw new RegistrationError('invalid', 'missing_jti', 'The medical certificate must carry a unique identifier (jti, RFC 7519 §4.1.7) so that a captured copy cannot be replayed')
    }
    const now = new Date().toISOString()
    const id = randomUUID()
    await this.deps.db.transaction(async (tx) => {
      const nowSeconds = Math.floor(this.deps.clock.now().getTime() / 1000)
      await tx.run('DELETE FROM medical_certificate_jtis WHERE expires_at < ?', [nowSeconds])
      // past iat + max age the certificate is refused as stale anyway: that is how long its jti must be remembered
      const fresh = await tx.run('INSERT INTO medical_certificate_jtis (certifier_did, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT (certifier_did, jti) DO NOTHING', [
        did,
        jti,
        Math.ceil(iat) + MEDICAL_CERTIFICATE_MAX_AGE_SECONDS,
      ])
      if (!fresh)
        throw new RegistrationError(
          'conflict',
          'replayed_certificate',
          `This medical certificate (jti ${jti}) was already received from its certifier: a certificate registers one death (replay refused)`,
        )
      await tx.run('INSERT INTO death_registrations (id, registrar_key, certifier_did, certificate, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        id,
        registrarKey,
        did,
        JSON.stringify(certificate),
        'certified',
        now,
        now,
      ])
    })
    return this.get(registrarKey, id)
  }

  /** Registers a certified death: a registration number, the programs notified, the executor's credential offered. */
  public async register(registrarKey: string, id: string, request: { executor: { given_name: string; family_name: string }; format: string; protocol: string; signing?: string; profile?: string }) {
    const registrar = this.registrar(registrarKey)
    const registration = await this.get(registrarKey, id)
    if (registration.state !== 'certified') throw new RegistrationError('conflict', 'invalid_state', `Registration ${id} is ${registration.state}, not awaiting registration`)
    const year = registration.certificate.date_of_death.slice(0, 4)
    const registrationNumber = `${registrar.jurisdiction.slice(3)}-${year}-${String(randomInt(0, 1_000_000)).padStart(6, '0')}`
    const changed = await this.deps.db.run("UPDATE death_registrations SET state = 'registered', registration_number = ?, updated_at = ? WHERE id = ? AND state = 'certified'", [
      registrationNumber,
      new Date().toISOString(),
      id,
    ])
    if (!changed) throw new RegistrationError('conflict', 'invalid_state', `Registration ${id} was registered concurrently`)
    const { deceased } = registration.certificate
    const claims = {
      registration_number: registrationNumber,
      deceased_given_name: deceased.given_name,
      deceased_family_name: deceased.family_name,
      deceased_birth_date: deceased.birth_date,
      date_of_death: registration.certificate.date_of_death,
      place_of_death: registration.certificate.place_of_death,
      cause_of_death: registration.certificate.cause_of_death,
      ...(deceased.social_insurance_number ? { social_insurance_number: deceased.social_insurance_number } : {}),
      executor_given_name: request.executor.given_name,
      executor_family_name: request.executor.family_name,
      jurisdiction: registrar.jurisdiction,
    }
    const notification = await this.deps.publish({
      topic: 'death.registered',
      jurisdiction: registrar.jurisdiction,
      data: {
        registration_number: registrationNumber,
        deceased_given_name: deceased.given_name,
        deceased_family_name: deceased.family_name,
        deceased_birth_date: deceased.birth_date,
        date_of_death: registration.certificate.date_of_death,
        ...(deceased.social_insurance_number ? { social_insurance_number: deceased.social_insurance_number } : {}),
        jurisdiction: registrar.jurisdiction,
      },
    })
    const offer = await this.deps.offerCredential(
      registrar,
      { format: request.format, protocol: request.protocol, signing: request.signing, profile: request.profile, claims },
      credentialRefFor(registration),
    )
    return { registration: await this.get(registrarKey, id), offer, notification }
  }

  /** Corrects an erroneous registration: what was issued is revoked and the programs are told. */
  public async correct(registrarKey: string, id: string, reason: string) {
    const registrar = this.registrar(registrarKey)
    const registration = await this.get(registrarKey, id)
    if (registration.state !== 'registered') throw new RegistrationError('conflict', 'invalid_state', `Registration ${id} is ${registration.state}; only a registered death can be corrected`)
    await this.deps.db.run("UPDATE death_registrations SET state = 'corrected', correction_reason = ?, updated_at = ? WHERE id = ?", [reason, new Date().toISOString(), id])
    const revoked = await this.deps.revokeCredentials(credentialRefFor(registration))
    const notification = await this.deps.publish({
      topic: 'death.corrected',
      jurisdiction: registrar.jurisdiction,
      data: { registration_number: registration.registrationNumber, reason, jurisdiction: registrar.jurisdiction, credentials_revoked: revoked },
    })
    return { registration: await this.get(registrarKey, id), revoked, notification }
  }
}

export { MEDICAL_CERTIFICATE_JWS_TYPE, MEDICAL_CERTIFICATE_TYPE }

import type { Database } from '@interop-lab/common/db'
import { masterSecretFor } from '@interop-lab/common/secrets'
import { loadServiceSigner, type ServiceSigner } from '@interop-lab/common/serviceKey'
import { TRQP_JWS_TYPE, type SignedAnswer } from './trqp'

export type { ServiceSigner } from '@interop-lab/common/serviceKey'

/** The registry's Ed25519 key, sealed in its database: created on first start, the same one ever after. */
export const loadRegistrySigner = (db: Database, dataDir: string): Promise<ServiceSigner> => loadServiceSigner(db, masterSecretFor(dataDir), 'trust-registry')

/** The answer with a compact JWS (EdDSA, `typ: trqp+jws`) whose payload is exactly the answer's fields. */
export async function signAnswer<Answer extends object>(signer: ServiceSigner, answer: Answer): Promise<SignedAnswer<Answer>> {
  return { ...answer, jws: await signer.sign(answer, TRQP_JWS_TYPE) }
}

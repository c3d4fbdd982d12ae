import type { Database } from '@interop-lab/common/db'
import { NOTIFICATION_JWS_TYPE, type NotificationPayload } from '@interop-lab/common/notifications/contract'
import { loadServiceSigner } from '@interop-lab/common/serviceKey'

export interface PublisherSigner {
  /** JWK thumbprint of the public key; also the JWS header `kid`. */
  readonly kid: string
  /** What GET /notifications/jwks.json serves. */
  readonly jwks: Awaited<ReturnType<typeof loadServiceSigner>>['jwks']
  sign(payload: NotificationPayload): Promise<string>
}

/** Loads the publisher's Ed25519 key (sealed in the database), creating it on first start. */
export async function loadPublisherSigner(db: Database, masterSecret: string): Promise<PublisherSigner> {
  const signer = await loadServiceSigner(db, masterSecret, 'notification-publisher')
  return { kid: signer.kid, jwks: signer.jwks, sign: (payload) => signer.sign(payload, NOTIFICATION_JWS_TYPE) }
}

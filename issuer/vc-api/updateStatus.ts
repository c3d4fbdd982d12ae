import { z } from 'zod'
import type { BitstringPurpose, CredentialStatus } from '@interop-lab/common/status'
import { isObject, ProblemError } from '@interop-lab/common/vc2'
import { StatusListError, type StatusListService } from '../status'
import { credentialRefFor } from './issue'
import type { StatusListCredentials } from './statusLists'

/**
 * VCALM UpdateCredentialStatusRequest. `status` defaults to true (set the purpose's bit), as the
 * W3C Bitstring Status List test suite sends no `status`; an entry is named by `credentialId` or by
 * `statusListCredential` + `statusListIndex`.
 */
const updateStatusSchema = z.strictObject({
  credentialId: z.string().min(1).optional(),
  credentialStatus: z.strictObject({
    id: z.string().optional(),
    type: z.literal('BitstringStatusListEntry', { error: "credentialStatus.type must be 'BitstringStatusListEntry'" }),
    statusPurpose: z.enum(['revocation', 'suspension'], { error: "credentialStatus.statusPurpose must be 'revocation' or 'suspension'" }),
    statusListIndex: z.string().regex(/^\d+$/, 'statusListIndex must be a decimal string').optional(),
    statusListCredential: z.string().optional(),
  }),
  status: z.boolean().default(true),
  indexAllocator: z.string().optional(),
})

export interface StatusUpdateResult {
  credentialId?: string
  statusPurpose: BitstringPurpose
  /** Each status-list index the credential holds, with its status after the update. */
  entries: Array<{ statusListCredential: string; statusListIndex: string; status: CredentialStatus }>
}

/** The status an entry moves to when `purpose` is set (`status: true`) or cleared; undefined when nothing changes. */
function nextStatus(current: CredentialStatus, purpose: BitstringPurpose, set: boolean): CredentialStatus | undefined {
  if (current === 'revoked') {
    if (set) throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', 'The credential is revoked; revocation is final and the credential cannot be suspended or reinstated', 'status')
    return undefined
  }
  if (purpose === 'revocation') return set ? 'revoked' : undefined
  if (set) return current === 'suspended' ? undefined : 'suspended'
  return current === 'suspended' ? 'valid' : undefined
}

/** VCALM POST /credentials/status: 200 with the new statuses, 400 for a bad request, 404 when the credential is not ours. */
export async function updateCredentialStatus(status: StatusListService, statusLists: Pick<StatusListCredentials, 'url' | 'parseUrl'>, body: unknown): Promise<StatusUpdateResult> {
  if (!isObject(body)) throw new ProblemError(400, 'PARSING_ERROR', 'The request body must be a JSON object {credentialId, credentialStatus, status}')
  const parsed = updateStatusSchema.safeParse(body)
  if (!parsed.success) throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  const { credentialId, credentialStatus, status: set } = parsed.data
  const { statusPurpose, statusListCredential, statusListIndex } = credentialStatus

  let targets: Array<{ listId: string; idx: number }>
  if (credentialId) {
    targets = (await status.allocationsFor(credentialRefFor(credentialId))).filter(
      (a) => (statusListIndex === undefined || a.idx === Number(statusListIndex)) && (statusListCredential === undefined || statusListCredential === statusLists.url(a.listId, statusPurpose)),
    )
    if (!targets.length) throw new ProblemError(404, 'CREDENTIAL_NOT_FOUND', `No credential '${credentialId}' was issued here with that status entry`, 'credentialId')
  } else {
    if (!statusListCredential || statusListIndex === undefined)
      throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', 'Name the credential by credentialId, or by credentialStatus.statusListCredential and statusListIndex', 'credentialId')
    const list = statusLists.parseUrl(statusListCredential)
    if (!list) throw new ProblemError(404, 'CREDENTIAL_NOT_FOUND', `Status list '${statusListCredential}' is not published by this issuer`, 'credentialStatus.statusListCredential')
    if (list.purpose !== statusPurpose)
      throw new ProblemError(400, 'MALFORMED_VALUE_ERROR', `Status list '${statusListCredential}' has purpose ${list.purpose}, not ${statusPurpose}`, 'credentialStatus.statusPurpose')
    targets = [{ listId: list.listId, idx: Number(statusListIndex) }]
  }

  const entries: StatusUpdateResult['entries'] = []
  for (const target of targets) {
    let entry = await status.getStatus(target.listId, target.idx).catch((error: unknown) => {
      if (error instanceof StatusListError && error.kind === 'not-found') throw new ProblemError(404, 'CREDENTIAL_NOT_FOUND', error.message, 'credentialStatus.statusListIndex')
      throw error
    })
    const next = nextStatus(entry.status, statusPurpose, set)
    if (next) entry = await status.setStatus(target.listId, target.idx, next)
    entries.push({ statusListCredential: statusLists.url(target.listId, statusPurpose), statusListIndex: String(target.idx), status: entry.status })
  }
  return { ...(credentialId ? { credentialId } : {}), statusPurpose, entries }
}

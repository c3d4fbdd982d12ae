import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type AgentContext,
  type ClaimFormat,
  type DcqlCredentialsForRequest,
  type DcqlQueryResult,
  DcqlService,
  type DcqlValidCredential,
  type DependencyManager,
  injectable,
  type Module,
} from '@credo-ts/core'

/**
 * The wallet's DCQL matching, kept while neither the query nor the persona's credentials change. Credo's holder
 * (`DcqlService.getCredentialsForRequest`) reads the persona's credential records, then on every request decodes each
 * one again (record → credential, SD-JWT decode with a digest per disclosure, JWT VC parse and validation), runs the
 * dcql query over them and applies the disclosures of each match, then parses a selected W3C credential twice more to
 * select it: the same answer for the same query over the same records. Here the records are still read on each request,
 * and the match Credo computed (with what selecting a W3C credential reads of it) is answered again while the query and
 * every record read (type, id, `updatedAt`, its stored credential) are the same; a change of any record matches afresh,
 * and that match replaces the query's kept one.
 */

type DcqlQuery = Parameters<DcqlService['getCredentialsForRequest']>[1]

interface CredoDcqlInternals {
  queryCredentialsForDcqlQuery(agentContext: AgentContext, dcqlQuery: DcqlQuery): Promise<CredentialRecord[]>
  dcqlCredentialForRequestForValidCredential(validCredential: DcqlValidCredential): DcqlCredentialsForRequest[string][number]
}
/** A credential record as Credo's DCQL matching reads it (Mdoc, SD-JWT VC, W3C, W3C v2). */
type CredentialRecord = DcqlValidCredential['record']

const credo = DcqlService.prototype as unknown as CredoDcqlInternals
const credoQueryCredentials = credo.queryCredentialsForDcqlQuery

/** How many queries' matches a persona keeps (one per query, over the records last read for it): the oldest goes first. */
const KEPT_MATCHES = 8

/** What Credo's selection reads of a W3C credential record (`record.firstCredential`, parsed for each). */
interface W3cSelection {
  claimFormat: ClaimFormat
  jsonCredential: Record<string, unknown>
}

/**
 * A match without its records: where each valid and failed credential's record stands in the list read, and what
 * selection reads of each W3C record, by its place in that list.
 */
interface KeptMatch {
  result: DcqlQueryResult
  positions: Record<string, { valid: number[]; failed: number[] }>
  w3c: Map<number, W3cSelection>
}

/** The W3C records of this request's match, with what selecting each reads of it (records are new instances on each read). */
const w3cSelections = new WeakMap<CredentialRecord, W3cSelection>()

/** The records of the request being matched, read once: Credo's matching (on a miss) takes these instead of reading again. */
const recordsRead = new AsyncLocalStorage<CredentialRecord[]>()

@injectable()
export class KeptMatchesDcqlService extends DcqlService {
  /** By query: the match over the records then read (`recordsKey`). */
  private readonly kept = new Map<string, { records: string; match: KeptMatch }>()
  /** How many matches Credo computed (the others were kept ones). */
  public credoMatches = 0

  public override async getCredentialsForRequest(agentContext: AgentContext, dcqlQuery: DcqlQuery): Promise<DcqlQueryResult> {
    const records = await credoQueryCredentials.call(this, agentContext, dcqlQuery)
    const query = JSON.stringify(dcqlQuery)
    const read = recordsKey(records)
    const kept = this.kept.get(query)
    if (kept?.records === read) return withRecords(kept.match, records)
    this.kept.delete(query)
    const result = await recordsRead.run(records, () => super.getCredentialsForRequest(agentContext, dcqlQuery))
    this.credoMatches++
    const match = withoutRecords(result, records)
    if (!match) return result
    this.kept.set(query, { records: read, match })
    if (this.kept.size > KEPT_MATCHES) this.kept.delete(this.kept.keys().next().value as string)
    selectWith(match, records)
    return result
  }
}

// TypeScript-private in Credo: replaced on the subclass's prototype only, to hand Credo's matching the records already
// read, and its selection what it reads of a W3C credential of the match
const ours = KeptMatchesDcqlService.prototype as unknown as CredoDcqlInternals
ours.queryCredentialsForDcqlQuery = function (this: DcqlService, agentContext, dcqlQuery) {
  return recordsRead.getStore() ? Promise.resolve(recordsRead.getStore() as CredentialRecord[]) : credoQueryCredentials.call(this, agentContext, dcqlQuery)
}
ours.dcqlCredentialForRequestForValidCredential = function (this: DcqlService, validCredential) {
  const selection = w3cSelections.get(validCredential.record)
  if (!selection) return credo.dcqlCredentialForRequestForValidCredential.call(this, validCredential)
  return { claimFormat: selection.claimFormat, credentialRecord: validCredential.record, disclosedPayload: structuredClone(selection.jsonCredential) } as ReturnType<
    CredoDcqlInternals['dcqlCredentialForRequestForValidCredential']
  >
}

/** In the order read, what each record's part of the match depends on. */
function recordsKey(records: CredentialRecord[]): string {
  return JSON.stringify(records.map((record) => [record.type, record.id, record.updatedAt?.toISOString(), record.encoded]))
}

/**
 * A copy of the match that shares nothing with it (a caller may change what it was given) and holds no record; none
 * when a credential's record is not one of those read.
 */
function withoutRecords(result: DcqlQueryResult, records: CredentialRecord[]): KeptMatch | undefined {
  const positions: KeptMatch['positions'] = {}
  const credentialMatches: Record<string, unknown> = {}
  const strip = (credentials: readonly object[], into: number[]) =>
    credentials.map((matched) => {
      const { record, ...credential } = matched as { record: CredentialRecord }
      into.push(records.indexOf(record))
      return credential
    })
  for (const [queryId, match] of Object.entries(result.credential_matches)) {
    const at = { valid: [] as number[], failed: [] as number[] }
    positions[queryId] = at
    credentialMatches[queryId] = {
      ...match,
      ...(match.valid_credentials ? { valid_credentials: strip(match.valid_credentials, at.valid) } : {}),
      ...(match.failed_credentials ? { failed_credentials: strip(match.failed_credentials, at.failed) } : {}),
    }
  }
  if (Object.values(positions).some(({ valid, failed }) => [...valid, ...failed].includes(-1))) return undefined
  const w3c = new Map<number, W3cSelection>()
  for (const position of new Set(Object.values(positions).flatMap(({ valid }) => valid))) {
    const record = records[position]
    if (record.type !== 'W3cCredentialRecord') continue
    const credential = record.firstCredential
    w3c.set(position, { claimFormat: credential.claimFormat, jsonCredential: credential.jsonCredential as Record<string, unknown> })
  }
  return { result: structuredClone({ ...result, credential_matches: credentialMatches }) as DcqlQueryResult, positions, w3c }
}

/** This request's W3C records of the match, each with what selecting it reads. */
function selectWith(kept: KeptMatch, records: CredentialRecord[]): void {
  for (const [position, selection] of kept.w3c) w3cSelections.set(records[position], selection)
}

/** The kept match as a new copy, each credential with its record from this request's read. */
function withRecords(kept: KeptMatch, records: CredentialRecord[]): DcqlQueryResult {
  const result = structuredClone(kept.result)
  for (const [queryId, match] of Object.entries(result.credential_matches)) {
    const at = kept.positions[queryId]
    match.valid_credentials?.forEach((credential, i) => Object.assign(credential, { record: records[at.valid[i]] }))
    match.failed_credentials?.forEach((credential, i) => Object.assign(credential, { record: records[at.failed[i]] }))
  }
  selectWith(kept, records)
  return result
}

/** Register after Credo's default modules: the wallet's OpenID4VP holder then matches with `KeptMatchesDcqlService`. */
export class KeptDcqlMatchesModule implements Module {
  public register(dependencyManager: DependencyManager): void {
    dependencyManager.registerSingleton(DcqlService, KeptMatchesDcqlService)
  }
}

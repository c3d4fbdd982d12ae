import { DcqlService } from '@credo-ts/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Decision, PresentationOutcome } from '@interop-lab/contracts'
import { callJson } from '@interop-lab/scenarios/client'
import { issueCredential, pilotCredentials } from '@interop-lab/scenarios/bench/flows'
import type { KeptMatchesDcqlService } from '@interop-lab/wallet-sim/keptDcqlMatches'
import { startTestStack } from './support/stack'

/**
 * The wallet keeps a persona's DCQL match (wallet-sim/keptDcqlMatches.ts) while the request's query and the persona's
 * credential records are the same. What it sends must stay what Credo would have matched: a kept match is answered
 * again only for the same records, a fault applied to one answer leaves the next whole, and a change of the persona's
 * credentials is matched afresh (OID4VP 1.0 §6 DCQL: the wallet answers with credentials it holds that match).
 */

const PERSONA = 'business-owner'
const POLICY = 'open-business-account'
let stack: Awaited<ReturnType<typeof startTestStack>>
let matching: KeptMatchesDcqlService

async function present(format: 'dc+sd-jwt' | 'jwt_vc_json', fault?: PresentationOutcome['fault']) {
  const { id, requestUri } = await callJson<{ id: string; requestUri: string }>('POST', `${stack.endpoints.verifier}/verifications`, { policyId: POLICY, format })
  const outcome = await callJson<PresentationOutcome>('POST', `${stack.endpoints.wallet}/personas/${PERSONA}/presentations`, { requestUri, fault })
  const { decision } = await callJson<{ decision?: Decision }>('GET', `${stack.endpoints.verifier}/verifications/${id}`)
  return { outcome, decision }
}

const [registration, person] = pilotCredentials()

beforeAll(async () => {
  stack = await startTestStack()
  for (const credential of [registration, person]) await issueCredential(stack.endpoints, PERSONA, credential, 'dc+sd-jwt')
  const wallet = stack.wallet.wallets.get(PERSONA) as unknown as { agent: { dependencyManager: { resolve(token: typeof DcqlService): DcqlService } } }
  matching = wallet.agent.dependencyManager.resolve(DcqlService) as KeptMatchesDcqlService
}, 120_000)

afterAll(async () => {
  await stack?.close()
})

describe('wallet: the DCQL match kept while the query and the credentials are the same', () => {
  it('matches the same request over the same credentials once, and the verifier accepts every answer', async () => {
    const before = matching.credoMatches
    const first = await present('dc+sd-jwt')
    const second = await present('dc+sd-jwt')
    expect(first.decision?.outcome, JSON.stringify(first)).toBe('accepted')
    expect(second.decision?.outcome, JSON.stringify(second)).toBe('accepted')
    expect(second.decision?.disclosed).toEqual(first.decision?.disclosed)
    expect(matching.credoMatches - before).toBe(1)
  })

  it('a withheld claim in one answer (the fault changes what selection returned) is sent whole in the next', async () => {
    const withheld = await present('dc+sd-jwt', { kind: 'withhold', claim: 'legal_name' })
    expect(withheld.decision?.outcome).toBe('rejected')
    expect(JSON.stringify(withheld.decision?.disclosed)).not.toContain(String(registration.claims.legal_name))
    const honest = await present('dc+sd-jwt')
    expect(honest.decision?.outcome, JSON.stringify(honest.decision?.reasons)).toBe('accepted')
    expect(JSON.stringify(honest.decision?.disclosed)).toContain(String(registration.claims.legal_name))
  })

  it('matches afresh when the persona forgets or receives a credential, and only then', async () => {
    const before = matching.credoMatches
    const renamed = 'Tremblay Maple Syrup (2026) Ltd.'
    // JWT VCs beside the SD-JWT VCs: a jwt_vc_json request matches them; a dc+sd-jwt request reads the same records as before
    await issueCredential(stack.endpoints, PERSONA, { ...registration, claims: { ...registration.claims, legal_name: renamed } }, 'jwt_vc_json')
    await issueCredential(stack.endpoints, PERSONA, person, 'jwt_vc_json')
    const jwt = await present('jwt_vc_json')
    expect(jwt.decision?.outcome, JSON.stringify(jwt.decision?.reasons)).toBe('accepted')
    expect(JSON.stringify(jwt.decision?.disclosed)).toContain(renamed)
    expect((await present('dc+sd-jwt')).decision?.outcome).toBe('accepted')
    expect(matching.credoMatches - before).toBe(1)

    await fetch(`${stack.endpoints.wallet}/personas/${PERSONA}/credentials`, { method: 'DELETE' })
    const none = await present('dc+sd-jwt')
    expect(none.outcome.submitted).toBe(false)
    expect(none.outcome.error).toMatch(/holds no credentials that satisfy the request/)

    await issueCredential(stack.endpoints, PERSONA, { ...registration, claims: { ...registration.claims, legal_name: renamed } }, 'dc+sd-jwt')
    await issueCredential(stack.endpoints, PERSONA, person, 'dc+sd-jwt')
    const received = await present('dc+sd-jwt')
    expect(received.decision?.outcome, JSON.stringify(received.decision?.reasons)).toBe('accepted')
    expect(JSON.stringify(received.decision?.disclosed)).toContain(renamed)
    expect(matching.credoMatches - before).toBe(3)
  })
})

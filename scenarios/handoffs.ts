import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { DriverError } from './drivers/types'

/**
 * Offers and presentation requests a person hands to the run: an issuer or verifier target with `"manual"` in place
 * of its offer or request call makes the runner ask for one in the dashboard (pasted, or scanned from a QR code), and
 * wait for it with a timeout and progress.
 */

export type HandoffKind = 'offer' | 'request'

/** What the runner asks a person for: the target, and what the offer or request must be for. */
export interface Handoff {
  id: string
  kind: HandoffKind
  /** The target's name in the targets file. */
  party: string
  /** What to make at the target, for people: the issuer, credential type, format and claims, or the policy. */
  details: Record<string, unknown>
  askedAt: string
  timeoutSeconds: number
}

/** A pasted offer must be an OID4VCI credential offer (OID4VCI 1.0 §4.1), a request an OID4VP one (OID4VP 1.0 §5). */
const answerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('offer'),
    uri: z
      .string()
      .trim()
      .refine(
        (uri) => URL.canParse(uri) && /[?&]credential_offer(_uri)?=/.test(uri),
        'a credential offer (openid-credential-offer://?credential_offer_uri=… or ?credential_offer=…, OID4VCI 1.0 §4.1)',
      ),
    txCode: z.string().trim().max(64).optional(),
  }),
  z.strictObject({
    kind: z.literal('request'),
    uri: z
      .string()
      .trim()
      .refine((uri) => URL.canParse(uri) && /[?&](request_uri|request|client_id)=/.test(uri), 'a presentation request (openid4vp://?client_id=…&request_uri=…, OID4VP 1.0 §5)'),
  }),
])
export type HandoffAnswer = { uri: string; txCode?: string }

const PROGRESS_MS = 5_000

export class HandoffBoard {
  private readonly open = new Map<string, Handoff & { resolve: (answer: HandoffAnswer) => void }>()

  /** `link`: the dashboard's sign-in link, once it runs, said with each new ask (not every progress line). */
  public constructor(
    private readonly progress: (message: string) => void = console.log,
    public link?: string,
  ) {}

  public pending(): Handoff[] {
    return [...this.open.values()].map(({ resolve: _resolve, ...handoff }) => handoff)
  }

  /** Takes a person's answer to an open handoff; throws naming what is wrong with it. */
  public answer(id: string, input: unknown): void {
    const handoff = this.open.get(id)
    if (!handoff) throw new DriverError('refused', `no open handoff ${id} (answered already, or timed out)`)
    const parsed = answerSchema.safeParse({ ...(input as object), kind: handoff.kind })
    if (!parsed.success) throw new DriverError('bad-answer', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '))
    this.open.delete(id)
    handoff.resolve({ uri: parsed.data.uri, txCode: parsed.data.kind === 'offer' && parsed.data.txCode ? parsed.data.txCode : undefined })
  }

  /** Asks for an offer or request and waits for it; rejects when nobody answers in time. */
  public async ask(kind: HandoffKind, party: string, details: Record<string, unknown>, timeoutSeconds: number): Promise<HandoffAnswer> {
    const id = randomUUID()
    const what = kind === 'offer' ? `a credential offer from ${party}` : `a presentation request from ${party}`
    let timer: NodeJS.Timeout | undefined
    let ticker: NodeJS.Timeout | undefined
    const started = Date.now()
    try {
      return await new Promise<HandoffAnswer>((resolve, reject) => {
        this.open.set(id, { id, kind, party, details, askedAt: new Date().toISOString(), timeoutSeconds, resolve })
        // the claims stay on the page, not in a console log
        const summary = Object.entries(details).flatMap(([key, value]) => (typeof value === 'object' ? [] : [`${key} ${String(value)}`]))
        this.progress(`  … paste or scan ${what} (${summary.join(', ')}) in the dashboard${this.link ? `, ${this.link}` : ''}`)
        ticker = setInterval(() => this.progress(`  … waiting for ${what} in the dashboard (${Math.round((Date.now() - started) / 1000)} s of ${timeoutSeconds} s)`), PROGRESS_MS)
        timer = setTimeout(() => reject(new DriverError('refused', `nobody pasted or scanned ${what} in the dashboard within ${timeoutSeconds} s`)), timeoutSeconds * 1000)
      })
    } finally {
      clearTimeout(timer)
      clearInterval(ticker)
      this.open.delete(id)
    }
  }
}

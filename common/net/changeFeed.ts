import { randomUUID } from 'node:crypto'
import type { Request, Response } from 'express'
import { sendProblem } from '../http'

/** How long a change waits for each connected party to say it dropped what it kept; one that does not is cut off. */
const ACK_TIMEOUT_MS = 2_000
/** Streams open at once: the feed is public, and every stream is a party a change waits for. */
const MAX_STREAMS = 64

interface Stream {
  res: Response
  acknowledged: number
}

/**
 * Tells the parties that keep what a service answered (a verifier keeping trust registry answers) that it changed, as
 * server-sent events (HTML Living Standard §9.2, `text/event-stream`): `ready` with the party's subscriber id once its
 * stream is open, `change` on every change. Each party acknowledges a change (POST `<feed>/acks`) once it dropped what
 * it kept, and the call that made the change is answered only then (or once a silent party's stream was closed, after
 * 2 s): whoever made a change and then asks a party sees the change. The stream carries no data of the service's.
 */
export class ChangeFeed {
  private readonly streams = new Map<string, Stream>()
  private readonly waiting = new Set<() => void>()
  private revision = 0
  // an idle stream still writes now and then, so that no proxy or client timer closes it
  private readonly heartbeat = setInterval(() => this.write(': keep-alive\n\n'), 30_000).unref()

  /** The GET handler of the feed's route. */
  public readonly subscribe = (req: Request, res: Response): void => {
    if (this.streams.size >= MAX_STREAMS) {
      res.set('retry-after', '60')
      sendProblem(res, 503, 'change_feed_full', `This change feed already has ${MAX_STREAMS} followers: follow it later, and keep nothing meanwhile`)
      return
    }
    const subscriber = randomUUID()
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(`event: ready\ndata: ${JSON.stringify({ subscriber, revision: this.revision })}\n\n`)
    this.streams.set(subscriber, { res, acknowledged: this.revision })
    req.on('close', () => {
      this.streams.delete(subscriber)
      this.settle()
    })
  }

  /** The POST handler of `<feed>/acks`: `{ subscriber, revision }`. */
  public readonly acknowledge = (req: Request, res: Response): void => {
    const { subscriber, revision } = (req.body ?? {}) as { subscriber?: unknown; revision?: unknown }
    const stream = typeof subscriber === 'string' ? this.streams.get(subscriber) : undefined
    if (!stream || typeof revision !== 'number') return void res.status(404).json({ error: 'unknown_subscriber', message: 'No open change stream has this subscriber id: open GET <feed> again' })
    stream.acknowledged = Math.max(stream.acknowledged, revision)
    res.status(204).end()
    this.settle()
  }

  /** Publishes a change once `res` answers with success, and holds that answer until every party acknowledged it. */
  public publishOnSuccess(res: Response): void {
    const end = res.end.bind(res) as (...args: unknown[]) => Response
    res.end = ((...args: unknown[]) => {
      if (res.statusCode >= 400) return end(...args)
      void this.publish().then(() => end(...args))
      return res
    }) as Response['end']
  }

  public async publish(): Promise<void> {
    const revision = ++this.revision
    const parties = [...this.streams.values()]
    this.write(`event: change\ndata: ${JSON.stringify({ revision })}\n\n`)
    const pending = () => parties.filter((stream) => stream.acknowledged < revision && [...this.streams.values()].includes(stream))
    if (!pending().length) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const stream of pending()) stream.res.end()
        done()
      }, ACK_TIMEOUT_MS)
      const check = () => {
        if (!pending().length) done()
      }
      const done = () => {
        clearTimeout(timer)
        this.waiting.delete(check)
        resolve()
      }
      this.waiting.add(check)
    })
  }

  public close(): void {
    clearInterval(this.heartbeat)
    for (const stream of this.streams.values()) stream.res.end()
    this.streams.clear()
    this.settle()
  }

  private settle(): void {
    for (const check of [...this.waiting]) check()
  }

  private write(text: string): void {
    for (const stream of this.streams.values()) stream.res.write(text)
  }
}

interface Kept<Value> {
  value: Value
  until: number
}

/** Where a fetch started: what it brings back is kept only if no change came in the meantime. */
export interface FeedTicket {
  generation: number
}

// a source that has no feed, or is down, is asked again less and less often
const RECONNECT_MS = { first: 1_000, max: 60_000 }

/**
 * What a party keeps of one source's answers, for as long as each may be kept, and only while the source's change
 * feed (a ChangeFeed) is connected: every change (acknowledged once dropped), and a lost connection, drops it all.
 * Until the feed says `ready`, nothing is kept, so a source without a feed is asked every time.
 */
export class FeedCache<Value> {
  private readonly kept = new Map<string, Kept<Value>>()
  private live = false
  private generation = 0
  private closed = false
  private readonly abort = new AbortController()

  public constructor(
    private readonly feedUrl: string,
    /** The party's HTTP client for the feed, which must hand the body over as it comes (a stream that does not end). */
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
    private readonly maxEntries = 1_000,
  ) {
    void this.follow()
  }

  public get(key: string, now = Date.now()): Value | undefined {
    const entry = this.live ? this.kept.get(key) : undefined
    if (entry && entry.until > now) return entry.value
    if (entry) this.kept.delete(key)
    return undefined
  }

  /** Call before asking the source; hand the ticket to `keep` with its answer. */
  public ticket(): FeedTicket {
    return { generation: this.generation }
  }

  public keep(ticket: FeedTicket, key: string, value: Value, until: number): void {
    if (!this.live || ticket.generation !== this.generation) return
    if (this.kept.size >= this.maxEntries) this.kept.delete(this.kept.keys().next().value!)
    this.kept.set(key, { value, until })
  }

  public close(): void {
    this.closed = true
    this.drop(false)
    this.abort.abort()
  }

  private drop(live: boolean): void {
    this.generation++
    this.kept.clear()
    this.live = live
  }

  private async follow(): Promise<void> {
    let wait = RECONNECT_MS.first
    while (!this.closed) {
      try {
        const response = await this.fetch(this.feedUrl, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal })
        if (!response.ok || !response.body) throw new Error(`answered ${response.status}`)
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let subscriber: string | undefined
        let buffered = ''
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffered += read.value
          for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
            const event = buffered.slice(0, end)
            buffered = buffered.slice(end + 2)
            const name = /^event: (\w+)$/m.exec(event)?.[1]
            const data = JSON.parse(/^data: (.*)$/m.exec(event)?.[1] ?? 'null') as { subscriber?: string; revision?: number } | null
            if (name !== 'ready' && name !== 'change') continue
            // after a (re)connection, as after a change, nothing kept before may be used
            this.drop(true)
            if (name === 'ready') {
              subscriber = data?.subscriber
              wait = RECONNECT_MS.first
            } else await this.acknowledge(subscriber, data?.revision)
          }
        }
      } catch {
        // unreachable, or no feed there: nothing is kept until it answers
      }
      this.drop(false)
      if (this.closed) return
      await new Promise((resolve) => setTimeout(resolve, wait).unref())
      wait = Math.min(wait * 2, RECONNECT_MS.max)
    }
  }

  private async acknowledge(subscriber: string | undefined, revision: number | undefined): Promise<void> {
    const response = await this.fetch(`${this.feedUrl}/acks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscriber, revision }),
      signal: this.abort.signal,
    })
    await response.body?.cancel()
    if (!response.ok) throw new Error(`the feed refused the acknowledgement (${response.status})`)
  }
}

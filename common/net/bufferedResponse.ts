/**
 * A fetch `Response` whose body was received whole: what the wallet's HTTP client (wallet-sim/nodeFetch.ts) and the HTTP cache (httpCache.ts) answer.
 * Node's `Response` carries its body as a WHATWG stream, which each `text()` or `json()` reads back chunk by chunk, and
 * `clone()` tees; here the body is the bytes themselves. It answers as a `Response` built from the same bytes does
 * (Fetch standard §6.4, §6.5): a body read once (a second read rejects with a TypeError), `clone()` before a read, a
 * `body` stream for a caller that asks for one.
 */
const utf8 = new TextDecoder()

export class BufferedResponse implements Response {
  public readonly type: ResponseType = 'default'
  public readonly url = ''
  public readonly redirected = false
  public readonly ok: boolean
  private consumed = false

  public constructor(
    private readonly bytesOfBody: Uint8Array | null,
    public readonly status: number,
    public readonly statusText: string,
    public readonly headers: Headers,
  ) {
    this.ok = status >= 200 && status <= 299
  }

  public get bodyUsed(): boolean {
    return this.consumed
  }

  /** The body as a stream: the first read of it uses the body up, as it does a `Response`'s. */
  public get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.bytesOfBody === null) return null
    const bytes = this.bytesOfBody
    const markUsed = () => {
      this.consumed = true
    }
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull(controller) {
        markUsed()
        controller.enqueue(new Uint8Array(bytes))
        controller.close()
      },
    })
  }

  public clone(): BufferedResponse {
    if (this.consumed) throw new TypeError('Response.clone: the body has already been read (Fetch §6.4)')
    return new BufferedResponse(this.bytesOfBody, this.status, this.statusText, new Headers(this.headers))
  }

  public async text(): Promise<string> {
    // UTF-8 decode, a byte order mark dropped, as `Response.text()` does (Encoding §6)
    return utf8.decode(this.take())
  }

  public async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  public async arrayBuffer(): Promise<ArrayBuffer> {
    // a copy: a Node Buffer's `buffer` may be a pool shared with other buffers
    return new Uint8Array(this.take()).buffer
  }

  public async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer())
  }

  public async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' })
  }

  /** Rare enough in the wallet's exchanges to be parsed by Node's own `Response`. */
  public async formData(): Promise<FormData> {
    return new Response(new Uint8Array(this.take()), { headers: this.headers }).formData()
  }

  /** The body's bytes, using it up; none is an empty body. */
  private take(): Uint8Array {
    if (this.consumed) throw new TypeError('Body is unusable: the body has already been read (Fetch §6.5)')
    this.consumed = true
    return this.bytesOfBody ?? new Uint8Array(0)
  }
}

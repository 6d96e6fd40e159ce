import { NoAnswerError, type HttpRequestSpec, type HttpResponseSpec, type HttpTransport } from '../../../../contracts/client.js';

/** fetch failed before any answer: the master is down, or the network between it and this browser is. */
export class MasterUnreachableError extends NoAnswerError {
  constructor(
    readonly origin: string,
    options: { cause: unknown },
  ) {
    super(`cannot reach the master at ${origin}`, options);
    this.name = 'MasterUnreachableError';
  }
}

/** The contracts' transport over the browser's fetch, to the origin that served the dashboard. */
export class FetchTransport implements HttpTransport {
  constructor(private readonly origin: string) {}

  async request(spec: HttpRequestSpec): Promise<HttpResponseSpec> {
    let response: Response;
    try {
      response = await fetch(new URL(spec.path, this.origin), {
        method: spec.method,
        headers: spec.headers,
        // The contracts hand over a Uint8Array; fetch wants a BufferSource it owns.
        ...(spec.body ? { body: spec.body.slice().buffer } : {}),
        ...(spec.signal ? { signal: spec.signal } : {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      if (spec.signal?.aborted) throw error;
      throw new MasterUnreachableError(this.origin, { cause: error });
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
  }
}

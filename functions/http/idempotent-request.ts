import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { idempotencyKeyHeader, parseIdempotencyKey } from '../../contracts/idempotency-key.js';
import { isBinary, type EndpointSpec } from '../../contracts/endpoint.js';
import type { Catalog, IdempotencyGuard, IdempotencyKeyRef, IdempotencyRecord } from '../catalog/catalog.js';
import type { ApiRequest, ApiResponse, Invocation } from './api-request.js';
import type { ParsedInput } from './parse-input.js';
import { HttpProblem, invalidFields, ProblemType } from './problem.js';

/** The key a request carries, checked (a 400 naming the header otherwise); `undefined` when it sends none. */
export function readIdempotencyKey(request: ApiRequest): string | undefined {
  const header = request.header(idempotencyKeyHeader.toLowerCase());
  if (header === undefined) return undefined;
  const parsed = parseIdempotencyKey(header);
  if ('reason' in parsed) throw invalidFields([{ field: idempotencyKeyHeader, reason: parsed.reason }]);
  return parsed.key;
}

/**
 * One request with an Idempotency-Key: the first with its key does the write, whose transaction records the key
 * (the guard); a later one with the same key and the same request gets the first answer back, marked
 * `Idempotent-Replayed: true`, and one with another request a 409.
 */
export class IdempotentRequest {
  readonly ref: IdempotencyKeyRef;
  #requestHash: string | undefined;

  constructor(
    actor: string,
    key: string,
    private readonly endpoint: EndpointSpec,
    private readonly input: ParsedInput,
    private readonly catalog: Catalog,
  ) {
    this.ref = { actor, operation: endpoint.operationId, key };
    // A JSON request is known now; an archive's digest only once its handler has stored it.
    if (!isBinary(endpoint.body)) this.#requestHash = hashRequest(input, input.body);
  }

  /**
   * What the guarded write records. `answer`: the handler's answer, made from what the write wrote, inside its
   * transaction (so it reads nothing); the write keeps its JSON with the key, and that is the body sent
   * (`keptAnswer`). `bodySha256`: a binary body's digest (hex), as its handler computed it.
   */
  guard<W>(answer: (written: W) => unknown, options: { bodySha256?: string; keep?: Record<string, unknown> } = {}): IdempotencyGuard<W> {
    const { bodySha256, keep } = options;
    if (isBinary(this.endpoint.body)) {
      if (bodySha256 === undefined) throw new Error(`${this.endpoint.operationId}: the guard needs the body's digest`);
      this.#requestHash = hashRequest(this.input, { sha256: bodySha256 });
    }
    const keepAnswer = (written: W): string => {
      this.keptAnswer = JSON.stringify(answer(written));
      return this.keptAnswer;
    };
    return { ...this.ref, requestHash: this.#requestHash!, ...(keep ? { keep } : {}), answer: keepAnswer };
  }

  /** The answer the guarded write kept with the key (see guard); sent once the write has committed. */
  keptAnswer: string | undefined;

  earlier(): Promise<IdempotencyRecord | undefined> {
    return this.catalog.findIdempotencyKey(this.ref);
  }

  /** The answer to a request whose key was used before: the first answer again, or a 409 for another request. */
  async replay(
    record: IdempotencyRecord,
    status: number,
    render: (result: Record<string, unknown>) => Promise<unknown>,
    invocation: Invocation,
  ): Promise<ApiResponse> {
    this.#requestHash ??= hashRequest(this.input, { sha256: await sha256Of(this.input.body as Readable) });
    if (record.requestHash !== this.#requestHash) {
      throw new HttpProblem({
        type: ProblemType.conflict,
        title: 'Conflict',
        status: 409,
        detail: `the ${idempotencyKeyHeader} '${this.ref.key}' was used for another request (other parameters or body); a new request needs a new key`,
        errors: [{ field: idempotencyKeyHeader, reason: 'already used for another request' }],
      });
    }
    // Recorded by an older master, which kept the answer only after the commit: made again from what was created.
    const body = record.responseBody ?? (await this.remember(JSON.stringify(await render(record.result)), invocation));
    return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true' }, body };
  }

  /** Keeps a remade answer for replays. Not being able to is no reason to fail the request: a replay makes it again. */
  private async remember(body: string, invocation: Invocation): Promise<string> {
    await this.catalog.recordIdempotentResponse(this.ref, body).catch((error: unknown) =>
      invocation.log.warn('the answer for an Idempotency-Key could not be kept', {
        operation: this.ref.operation,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    return body;
  }
}

function hashRequest(input: ParsedInput, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([input.params, input.query, body ?? null])).digest('hex');
}

/** A binary body read only to be compared: its bytes go nowhere. */
async function sha256Of(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

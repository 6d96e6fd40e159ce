import { setTimeout as delay } from 'node:timers/promises';
import { callEndpoint, type HttpTransport } from '../../contracts/client.js';
import { executionStatusNames, type ParameterValue } from '../../contracts/common.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import {
  listChildExecutions,
  startChildExecution,
  stopChildExecution,
  taskEnvironment,
} from '../../contracts/task-api.js';

/**
 * What a node package does with `context.children`: start child executions of catalog packages — on any eligible
 * worker (automatic balancing), on named workers, or on workers with tags (the "remote servers" of the old SQL
 * Server Agent pattern) — wait for them, and learn each child's outcome and message. It speaks the task API with
 * the credential its worker handed it, which allows exactly this and ends with the parent's lease.
 */
export interface ChildSpec {
  /** The package to run: `Folder/Project/Package`. */
  package: string;
  parameters?: Record<string, ParameterValue>;
  /** Run only on these workers… */
  workerAgentIds?: string[];
  /** …or only on workers with all these tags. Neither: any eligible worker. */
  requiredTags?: string[];
  retryCount?: number;
  timeoutMs?: number;
  /**
   * Names the child among its siblings. Started again under the same key (a retried parent does that), the child
   * already started is returned instead of a new one. @default its start order: `child-1`, `child-2`, …
   */
  key?: string;
}

export interface ChildResult {
  executionId: number;
  package: string;
  /** SSISDB status code and name: succeeded is 7. */
  status: number;
  statusName: string;
  succeeded: boolean;
  /** The child's status message: its worker's report of how it ended. */
  message: string | null;
}

export interface ChildExecution {
  executionId: number;
  package: string;
  /** Resolves when the child has ended; rejects with ChildExecutionFailed when it did not succeed. */
  wait(options?: { tolerateFailure?: boolean }): Promise<ChildResult>;
  stop(): Promise<void>;
}

/** A child did not succeed; its result is attached, its message is in ours. */
export class ChildExecutionFailed extends Error {
  constructor(readonly results: ChildResult[]) {
    super(
      results
        .map((r) => `child execution ${r.executionId} (${r.package}) ${r.statusName}${r.message ? `: ${r.message}` : ''}`)
        .join('; '),
    );
    this.name = 'ChildExecutionFailed';
  }
}

const finalStatuses = new Set([3, 4, 6, 7, 9]);
const succeededStatuses = new Set([7, 9]);

export class ChildExecutions {
  #started = 0;
  #transport: HttpTransport | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly signal: AbortSignal,
    /** How often a waiting parent asks how its children are doing. */
    private readonly pollMs = 1000,
  ) {}

  async start(spec: ChildSpec): Promise<ChildExecution> {
    const [folderName, projectName, packageName, ...rest] = spec.package.split('/');
    if (!folderName || !projectName || !packageName || rest.length > 0) {
      throw new Error(`children.start: package must be 'Folder/Project/Package', not '${spec.package}'`);
    }
    this.#started += 1;
    const child = await this.#call(startChildExecution, {
      body: {
        folderName,
        projectName,
        packageName,
        ...(spec.parameters ? { parameters: spec.parameters } : {}),
        ...(spec.workerAgentIds ? { workerAgentIds: spec.workerAgentIds } : {}),
        ...(spec.requiredTags ? { requiredTags: spec.requiredTags } : {}),
        ...(spec.retryCount !== undefined ? { retryCount: spec.retryCount } : {}),
        ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
        key: spec.key ?? `child-${this.#started}`,
      },
    });
    const executionId = child.executionId;
    return {
      executionId,
      package: spec.package,
      wait: async (options) => {
        const [result] = await this.#waitFor([{ executionId, package: spec.package }]);
        if (!result!.succeeded && !options?.tolerateFailure) throw new ChildExecutionFailed([result!]);
        return result!;
      },
      stop: async () => {
        await this.#call(stopChildExecution, { params: { executionId } });
      },
    };
  }

  /**
   * Starts every child, then waits for all of them. When one did not succeed the promise rejects with
   * ChildExecutionFailed naming each failure and its message — unless `tolerateFailures`, in which case the
   * results say which failed.
   */
  async runAll(specs: readonly ChildSpec[], options: { tolerateFailures?: boolean } = {}): Promise<ChildResult[]> {
    const started = [];
    for (const spec of specs) started.push(await this.start(spec));
    const results = await this.#waitFor(started);
    const failed = results.filter((r) => !r.succeeded);
    if (failed.length > 0 && !options.tolerateFailures) throw new ChildExecutionFailed(failed);
    return results;
  }

  /** Waits until every child has ended: one request a round for all of them. */
  async #waitFor(children: readonly { executionId: number; package: string }[]): Promise<ChildResult[]> {
    const wanted = new Map(children.map((c) => [c.executionId, c.package]));
    const results = new Map<number, ChildResult>();
    for (;;) {
      const { executions } = await this.#call(listChildExecutions, {});
      for (const execution of executions) {
        const packageName = wanted.get(execution.executionId);
        if (packageName === undefined || !finalStatuses.has(execution.status)) continue;
        results.set(execution.executionId, {
          executionId: execution.executionId,
          package: packageName,
          status: execution.status,
          statusName: executionStatusNames[execution.status as keyof typeof executionStatusNames] ?? String(execution.status),
          succeeded: succeededStatuses.has(execution.status),
          message: execution.statusMessage,
        });
      }
      if (results.size === wanted.size) return children.map((c) => results.get(c.executionId)!);
      await delay(this.pollMs, undefined, { signal: this.signal });
    }
  }

  #call<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> {
    const credential = this.env[taskEnvironment.taskCredential];
    const masterUrl = this.env[taskEnvironment.masterUrl];
    if (!credential || !masterUrl) {
      throw new Error(`child executions need ${taskEnvironment.masterUrl} and ${taskEnvironment.taskCredential}, which the worker sets`);
    }
    this.#transport ??= new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint: this.env[taskEnvironment.masterThumbprint] });
    return callEndpoint(this.#transport, endpoint, input, {
      headers: { authorization: `Bearer ${credential}` },
      signal: this.signal,
    });
  }

  /** Lets the package's process end: idle keep-alive connections are closed. */
  close(): void {
    (this.#transport as NodeHttpsTransport | undefined)?.close();
  }
}

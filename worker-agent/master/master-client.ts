import type { z } from 'zod';
import { callEndpoint, type HttpTransport } from '../../contracts/client.js';
import type { EndpointOutput } from '../../contracts/endpoint.js';
import { claimTasks, completeTask, downloadArchive, heartbeat, postEvents } from '../../contracts/worker-protocol.js';

export type ClaimRequest = z.input<typeof claimTasks.body>;
export type ClaimResponse = EndpointOutput<typeof claimTasks>;
export type HeartbeatRequest = z.input<typeof heartbeat.body>;
export type HeartbeatResponse = EndpointOutput<typeof heartbeat>;
export type EventsRequest = z.input<typeof postEvents.body>;
export type CompleteRequest = z.input<typeof completeTask.body>;
export type CompleteResponse = EndpointOutput<typeof completeTask>;

/**
 * The five worker endpoints, in the agent's terms. The loops depend on this interface only, so tests give them a
 * small in-memory master.
 */
export interface MasterClient {
  claimTasks(body: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse>;
  heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse>;
  postEvents(taskId: number, body: EventsRequest): Promise<void>;
  completeTask(taskId: number, body: CompleteRequest): Promise<CompleteResponse>;
  downloadArchive(projectVersionId: number): Promise<Uint8Array>;
}

/** The master over HTTP(S), through the shared contract client (which checks requests and answers). */
export class HttpMasterClient implements MasterClient {
  constructor(private readonly transport: HttpTransport) {}

  claimTasks(body: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse> {
    return callEndpoint(this.transport, claimTasks, { body }, signal ? { signal } : {});
  }

  heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse> {
    return callEndpoint(this.transport, heartbeat, { body });
  }

  /** The event shipper numbers, times and cuts every line to the contract (EventShipper.add). */
  async postEvents(taskId: number, body: EventsRequest): Promise<void> {
    await callEndpoint(this.transport, postEvents, { params: { taskId }, body }, { bodyBuiltToContract: true });
  }

  completeTask(taskId: number, body: CompleteRequest): Promise<CompleteResponse> {
    return callEndpoint(this.transport, completeTask, { params: { taskId }, body });
  }

  downloadArchive(projectVersionId: number): Promise<Uint8Array> {
    return callEndpoint(this.transport, downloadArchive, { params: { projectVersionId } });
  }
}

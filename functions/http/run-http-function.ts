import type { MasterServices } from '../master-services.js';
import type { ApiRequest, ApiResponse, Invocation } from './api-request.js';
import type { HttpFunction } from './define-handler.js';
import { problemResponse, toProblem } from './problem.js';

/** Runs an HTTP function; whatever it throws becomes problem+json. Both hosts call this. */
export async function runHttpFunction(
  fn: HttpFunction,
  request: ApiRequest,
  services: MasterServices,
  invocation: Invocation,
): Promise<ApiResponse> {
  try {
    return await fn.handler(request, services, invocation);
  } catch (error) {
    const problem = toProblem(error, request.url.pathname, invocation);
    return problemResponse(problem, problem.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  }
}

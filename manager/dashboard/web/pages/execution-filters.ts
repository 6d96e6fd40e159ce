import type { Route } from '../router.js';

/** The executions list's filters, as they appear in its address (`#/executions?status=failed&created=24h`). */
export interface ExecutionFilters {
  status: string;
  created: string;
  folder: string;
  project: string;
  package: string;
}

/** Status choices: SSISDB codes grouped the way an administrator asks ("what failed?"). */
export const statusChoices: Record<string, { label: string; codes: number[] }> = {
  active: { label: 'Active (created, pending, running, stopping)', codes: [1, 5, 2, 8] },
  running: { label: 'Running', codes: [2] },
  pending: { label: 'Pending', codes: [5] },
  succeeded: { label: 'Succeeded', codes: [7, 9] },
  failed: { label: 'Failed or ended unexpectedly', codes: [4, 6] },
  canceled: { label: 'Canceled', codes: [3] },
  stopping: { label: 'Stopping', codes: [8] },
  created: { label: 'Created, not started', codes: [1] },
};

export const createdChoices: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
};

export function filtersFrom(route: Route): ExecutionFilters {
  const get = (name: string): string => route.query.get(name) ?? '';
  return { status: get('status'), created: get('created'), folder: get('folder'), project: get('project'), package: get('package') };
}

/** The listExecutions query for these filters; unknown choices are ignored rather than refused. */
export function queryFor(filters: ExecutionFilters, now = Date.now()) {
  const created = createdChoices[filters.created];
  return {
    ...(statusChoices[filters.status] ? { status: statusChoices[filters.status]!.codes } : {}),
    ...(created ? { since: new Date(now - created.ms).toISOString() } : {}),
    ...(filters.folder ? { folder: filters.folder } : {}),
    ...(filters.project ? { project: filters.project } : {}),
    ...(filters.package ? { package: filters.package } : {}),
  };
}

export const isFiltered = (filters: ExecutionFilters): boolean => Object.values(filters).some((value) => value !== '');

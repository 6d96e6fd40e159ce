import type { PageFactory } from './page.js';
import { addWorkerPage } from './pages/add-worker.js';
import { dashboardPage } from './pages/dashboard.js';
import { executionPage } from './pages/execution.js';
import { executionsPage } from './pages/executions.js';
import { newExecutionPage } from './pages/new-execution.js';
import { newSchedulePage } from './pages/new-schedule.js';
import { notFoundPage } from './pages/not-found.js';
import { schedulesPage } from './pages/schedules.js';
import { workerManagerPage } from './pages/worker-manager.js';
import type { Route } from './router.js';

/** Which page shows a route. */
export function pageFor(route: Route): PageFactory {
  const [section, item, ...rest] = route.path;
  if (rest.length > 0) return notFoundPage;
  switch (section) {
    case undefined:
      return dashboardPage;
    case 'workers':
      return item === 'new' ? addWorkerPage : workerManagerPage;
    case 'executions':
      if (item === undefined) return executionsPage;
      return item === 'new' ? newExecutionPage : executionPage;
    case 'schedules':
      if (item === undefined) return schedulesPage;
      return item === 'new' ? newSchedulePage : notFoundPage;
    default:
      return notFoundPage;
  }
}

import { addWorker, createExecution, createSchedule } from '../../../contracts/management/endpoints.js';
import type { PageFactory } from './page.js';
import { addWorkerPage } from './pages/add-worker.js';
import { dashboardPage } from './pages/dashboard.js';
import { environmentsPage } from './pages/environments.js';
import { executionPage } from './pages/execution.js';
import { executionsPage } from './pages/executions.js';
import { newExecutionPage } from './pages/new-execution.js';
import { newSchedulePage } from './pages/new-schedule.js';
import { allowedTo } from './pages/not-allowed.js';
import { notFoundPage } from './pages/not-found.js';
import { permissionsPage } from './pages/permissions.js';
import { projectVersionsPage } from './pages/project-versions.js';
import { projectsPage } from './pages/projects.js';
import { schedulesPage } from './pages/schedules.js';
import { workerManagerPage } from './pages/worker-manager.js';
import type { Route } from './router.js';

// Made once: the app keeps a page when the next route has the same factory.
const addWorkerRoute = allowedTo(addWorker, 'add a worker', addWorkerPage);
const newExecutionRoute = allowedTo(createExecution, 'start an execution', newExecutionPage);
const newScheduleRoute = allowedTo(createSchedule, 'create a schedule', newSchedulePage);

/** Which page shows a route. */
export function pageFor(route: Route): PageFactory {
  const [section, item, ...rest] = route.path;
  // #/projects/<folder>/<project>: a project is named by two segments.
  if (section === 'projects') return item === undefined ? projectsPage : rest.length === 1 ? projectVersionsPage : notFoundPage;
  if (rest.length > 0) return notFoundPage;
  switch (section) {
    case undefined:
      return dashboardPage;
    case 'workers':
      return item === 'new' ? addWorkerRoute : workerManagerPage;
    case 'executions':
      if (item === undefined) return executionsPage;
      return item === 'new' ? newExecutionRoute : executionPage;
    case 'environments':
      return item === undefined ? environmentsPage : notFoundPage;
    case 'permissions':
      return item === undefined ? permissionsPage : notFoundPage;
    case 'schedules':
      if (item === undefined) return schedulesPage;
      return item === 'new' ? newScheduleRoute : notFoundPage;
    default:
      return notFoundPage;
  }
}

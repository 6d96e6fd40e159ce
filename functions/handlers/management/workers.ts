import {
  addWorker,
  disableWorker,
  enableWorker,
  getWorker,
  listWorkers,
  removeWorker,
  setWorkerProperties,
} from '../../../contracts/management/endpoints.js';
import { ValidationError } from '../../catalog/errors.js';
import { workerFacingAddress } from '../../config/master-config.js';
import { defineHandler } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import { certificateIdentityOf, checkWorkerCertificate, commonName, parseWorkerCertificate, summarizeCertificate } from '../../workers/worker-certificate.js';
import { toWorkerView } from '../views.js';
import { ringDoorbell } from '../../claims/ring-doorbell.js';

const view = (services: MasterServices) => (worker: Parameters<typeof toWorkerView>[0]) =>
  toWorkerView(worker, services.clock.now(), services.config.workerOfflineAfterMs, services.version);

export const listWorkersFunction = defineHandler(listWorkers, async (_input, services) => ({
  masterVersion: services.version,
  workers: (await services.catalog.listWorkerAgents()).map(view(services)),
}));

export const getWorkerFunction = defineHandler(getWorker, async ({ params }, services) =>
  view(services)(await services.catalog.getWorkerAgent(params.workerAgentId)),
);

/**
 * Scale Out Manager's "add worker": validate the certificate, show what it is and what to do next, and (unless
 * only validating) register the worker, disabled until an administrator enables it.
 */
export const addWorkerFunction = defineHandler(addWorker, async ({ body, caller }, services) => {
  const certificate = body.certificate === undefined ? undefined : parseWorkerCertificate(body.certificate);
  if (certificate) checkWorkerCertificate(certificate, services.clock.now());
  const summary = certificate ? summarizeCertificate(certificate) : undefined;
  const machineName = body.machineName ?? (certificate ? commonName(certificate) : undefined) ?? body.displayName;
  if (!machineName) {
    throw new ValidationError('machineName', 'give the machine name (or a display name) when adding a worker by thumbprint');
  }
  const nextSteps = nextStepsFor(services, body.validateOnly ? undefined : '<worker id>', !certificate);
  if (body.validateOnly) return { ...(summary ? { certificate: summary } : {}), nextSteps };

  const worker = await services.catalog.addWorkerAgent(
    {
      machineName,
      displayName: body.displayName,
      description: body.description,
      tags: body.tags,
      maxTaskCount: body.maxTaskCount,
      certificate: certificate
        ? certificateIdentityOf(certificate)
        : body.thumbprint!.length === 40
          ? { thumbprintSha1: body.thumbprint }
          : { thumbprintSha256: body.thumbprint },
    },
    caller.actor,
  );
  services.log.info(`worker added: ${worker.displayName}`, { workerAgentId: worker.workerAgentId, machineName, by: caller.actor });
  return {
    worker: view(services)(worker),
    ...(summary ? { certificate: summary } : {}),
    nextSteps: nextStepsFor(services, worker.workerAgentId, !certificate),
  };
});

function nextStepsFor(services: MasterServices, workerAgentId: string | undefined, byThumbprint: boolean): string[] {
  const steps = [
    `On the worker machine, the worker's configuration must name this master: MasterEndpoint = ${workerFacingAddress(services.config)}` +
      ' (scaleout-worker init --master does that).',
  ];
  if (services.tlsCertificate) {
    steps.push(
      `This master uses a self-signed certificate: set MasterHttpsCertThumbprint = ${services.tlsCertificate.thumbprintSha1} in the worker's configuration to trust it.`,
    );
  }
  if (byThumbprint) {
    steps.push('The worker presents its certificate on first contact; the master checks it against this thumbprint and keeps it.');
  }
  steps.push('Start the worker: scaleout-worker start (or install it as a service: scaleout-worker service install).');
  steps.push(
    `Enable the worker, which starts disabled as in SSIS: scaleout worker enable ${workerAgentId ?? '<worker id>'}.`,
  );
  return steps;
}

export const removeWorkerFunction = defineHandler(removeWorker, async ({ params, caller }, services) => {
  await services.catalog.removeWorkerAgent(params.workerAgentId, caller.actor);
  services.log.info('worker removed', { workerAgentId: params.workerAgentId, by: caller.actor });
  services.workerAuth.forgetWorker(params.workerAgentId);
  services.onlineWrites.forget(params.workerAgentId);
  // Its bell goes too; one left behind (storage unreachable) only costs a ring now and then, and expires its rings.
  await services.doorbell?.remove(params.workerAgentId).catch((error: unknown) =>
    services.log.warn('the removed worker\'s doorbell could not be deleted', { workerAgentId: params.workerAgentId, error: String(error) }),
  );
  // Its running tasks may have been re-queued for others.
  await ringDoorbell(services, 'everyone');
  return undefined;
});

export const enableWorkerFunction = defineHandler(enableWorker, async ({ params, caller }, services) => {
  const worker = await services.catalog.enableWorkerAgent(params.workerAgentId, caller.actor);
  services.log.info(`worker enabled: ${worker.displayName}`, { workerAgentId: worker.workerAgentId, by: caller.actor });
  services.onlineWrites.forget(params.workerAgentId);
  await ringDoorbell(services, 'everyone');
  return view(services)(worker);
});

export const disableWorkerFunction = defineHandler(disableWorker, async ({ params, caller }, services) => {
  const worker = await services.catalog.disableWorkerAgent(params.workerAgentId, caller.actor);
  services.log.info(`worker disabled: ${worker.displayName}`, { workerAgentId: worker.workerAgentId, by: caller.actor });
  services.onlineWrites.forget(params.workerAgentId);
  return view(services)(worker);
});

export const setWorkerPropertiesFunction = defineHandler(setWorkerProperties, async ({ params, body, caller }, services) => {
  const worker = await services.catalog.setWorkerAgentProperty(params.workerAgentId, body, caller.actor);
  // New tags or capacity may make waiting executions eligible.
  await ringDoorbell(services, 'everyone');
  return view(services)(worker);
});

import { enrollWorker } from '../../../contracts/enrollment.js';
import { enrollmentRefused } from '../../auth/enrollment-tokens.js';
import { EnrollmentRefusedError } from '../../catalog/errors.js';
import { ringDoorbell } from '../../claims/ring-doorbell.js';
import { defineHandler } from '../../http/define-handler.js';
import { certificateIdentityOf, checkWorkerCertificate, parseWorkerCertificate } from '../../workers/worker-certificate.js';

/**
 * `scaleout-worker join`: registers the worker by the certificate it just created, as `addWorker` does (the same
 * checks, the same catalog operation), spending one use of the enrollment token in the same transaction.
 */
export const enrollWorkerFunction = defineHandler(enrollWorker, async ({ body, caller }, services) => {
  const certificate = parseWorkerCertificate(body.certificate);
  checkWorkerCertificate(certificate, services.clock.now());
  const worker = await services.catalog
    .enrollWorkerAgent(caller.tokenId, {
      machineName: body.agent.machineName,
      displayName: body.displayName,
      description: body.description,
      certificate: certificateIdentityOf(certificate),
    })
    .catch((error: unknown) => {
      // Another enrollment took the last use (or the token was revoked) since the check before the body was read.
      throw error instanceof EnrollmentRefusedError ? enrollmentRefused(error.reason) : error;
    });
  await services.catalog.recordWorkerAgentInfo(worker.workerAgentId, body.agent);
  services.log.info(`worker joined with an enrollment token: ${worker.displayName}`, {
    workerAgentId: worker.workerAgentId,
    machineName: worker.machineName,
    enabled: worker.isEnabled,
  });
  if (worker.isEnabled) await ringDoorbell(services, 'everyone');
  return {
    workerAgentId: worker.workerAgentId,
    displayName: worker.displayName,
    tags: worker.tags,
    maxTaskCount: worker.maxTaskCount,
    isEnabled: worker.isEnabled,
  };
});

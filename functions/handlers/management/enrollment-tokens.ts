import { createEnrollmentToken, listEnrollmentTokens, revokeEnrollmentToken } from '../../../contracts/management/endpoints.js';
import { issueEnrollmentToken } from '../../auth/enrollment-tokens.js';
import { workerFacingAddress } from '../../config/master-config.js';
import { defineHandler } from '../../http/define-handler.js';
import { toEnrollmentTokenView } from '../views.js';

export const createEnrollmentTokenFunction = defineHandler(createEnrollmentToken, async ({ body, caller }, services) => {
  const { token, secret } = await issueEnrollmentToken(
    services.catalog,
    {
      lifetimeMs: body.expiresInSeconds * 1000,
      maxUses: body.maxUses,
      tags: body.tags,
      maxTaskCount: body.maxTaskCount ?? null,
      enableWorker: body.enableWorker,
    },
    caller.actor,
    services.tlsCertificate?.thumbprintSha256,
  );
  return {
    token: toEnrollmentTokenView(token, services.clock.now()),
    secret,
    joinCommand: `scaleout-worker join ${workerFacingAddress(services.config)} --token ${secret}`,
  };
});

export const listEnrollmentTokensFunction = defineHandler(listEnrollmentTokens, async (_input, { catalog, clock }) => ({
  tokens: (await catalog.listEnrollmentTokens()).map((token) => toEnrollmentTokenView(token, clock.now())),
}));

export const revokeEnrollmentTokenFunction = defineHandler(revokeEnrollmentToken, async ({ params, caller }, { catalog, clock }) =>
  toEnrollmentTokenView(await catalog.revokeEnrollmentToken(params.tokenId, caller.actor), clock.now()),
);

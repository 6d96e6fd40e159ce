import * as z from 'zod';
import { defineEndpoint } from './endpoint.js';

/**
 * The worker agent as the master hands it out (docs/adr/0004-the-worker-as-single-file-executables.md): the files
 * `npm run build:worker` made and the `downloads.json` listing them, so that a worker machine needs nothing but the
 * master's address to get the agent, and the agent nothing but the master to update itself.
 */

/** A file name of the build: letters, digits, dots, dashes and underscores, never a path. */
export const AgentDownloadFileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'a file name of the agent build (letters, digits, dots, dashes), not a path');

/** `npm`: the package for `npm install -g`; otherwise the platform a single-file executable runs on. */
export const AgentPlatform = z.enum(['npm', 'linux-x64', 'win-x64']);
export type AgentPlatform = z.infer<typeof AgentPlatform>;

export const AgentDownload = z
  .object({
    fileName: AgentDownloadFileName,
    platform: AgentPlatform,
    size: z.int().min(0),
    /** Lowercase hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .meta({ id: 'AgentDownload' });
export type AgentDownload = z.infer<typeof AgentDownload>;

/** `downloads.json` as the build writes it, and the master's answer. */
export const AgentDownloads = z
  .object({
    agentVersion: z.string().min(1).max(64),
    /** The Node.js release inside the single-file executables. */
    nodeVersion: z.string().min(1).max(64),
    downloads: z.array(AgentDownload),
  })
  .meta({ id: 'AgentDownloads' });
export type AgentDownloads = z.infer<typeof AgentDownloads>;

/** The name of the build's listing, beside the files it lists. */
export const agentDownloadsListing = 'downloads.json';

export const listAgentDownloads = defineEndpoint({
  operationId: 'listAgentDownloads',
  method: 'GET',
  path: '/v1/agent/downloads',
  summary:
    'The worker agent this master hands out (what `npm run build:worker` made): each file with its platform, size and SHA-256. ' +
    'Open to anyone, as the agent is no secret: a new worker machine has nothing but the master\'s address yet.',
  access: { kind: 'public' },
  response: AgentDownloads,
});

export const downloadAgent = defineEndpoint({
  operationId: 'downloadAgent',
  method: 'GET',
  path: '/v1/agent/downloads/{fileName}',
  summary: 'One file of the agent build, streamed. Its SHA-256 is in the x-scaleout-sha256 header, as a project archive\'s.',
  access: { kind: 'public' },
  params: z.object({ fileName: AgentDownloadFileName }),
  response: { binary: 'application/octet-stream' },
});

export const agentDownloadEndpoints = [listAgentDownloads, downloadAgent] as const;

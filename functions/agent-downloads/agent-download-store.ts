import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import * as z from 'zod';
import { agentDownloadsListing, AgentDownloads, type AgentDownload } from '../../contracts/agent-downloads.js';

/**
 * Where the master finds the agent build it hands out (docs/adr/0004-the-worker-as-single-file-executables.md): on
 * one machine the folder `npm run build:worker` writes (dist/worker/); in Azure a blob container of the master's
 * storage account, which the build is uploaded to, since the deployment package carries sources only and is built
 * remotely. Both hold `downloads.json` beside the files it lists.
 */
export interface AgentDownloadStore {
  /** The build's listing; undefined when there is no build. */
  readListing(): Promise<AgentDownloads | undefined>;
  /** A file the listing names, streamed. */
  open(download: AgentDownload): Promise<Readable>;
  /** What to do when there is no build here, for the 404 that says so. */
  readonly missingBuildHint: string;
}

/** The store's downloads.json is not one the build writes. */
export class AgentListingError extends Error {
  constructor(where: string, reason: string) {
    super(`${where} is not an agent build's listing: ${reason}`);
    this.name = 'AgentListingError';
  }
}

function parseListing(text: string, where: string): AgentDownloads {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AgentListingError(where, error instanceof Error ? error.message : String(error));
  }
  const parsed = AgentDownloads.safeParse(json);
  if (!parsed.success) throw new AgentListingError(where, z.prettifyError(parsed.error));
  return parsed.data;
}

export class FolderAgentDownloads implements AgentDownloadStore {
  readonly #folder: string;
  readonly missingBuildHint: string;

  constructor(folder: string) {
    this.#folder = resolve(folder);
    this.missingBuildHint = `run \`npm run build:worker\` where the master runs (it writes ${this.#folder})`;
  }

  async readListing(): Promise<AgentDownloads | undefined> {
    const file = join(this.#folder, agentDownloadsListing);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseListing(text, file);
  }

  async open(download: AgentDownload): Promise<Readable> {
    const stream = createReadStream(join(this.#folder, download.fileName));
    // Opened before the answer starts, so a file removed since the listing was read is an error, not a cut answer.
    await new Promise<void>((done, fail) => {
      stream.once('open', () => done());
      stream.once('error', fail);
    });
    return stream;
  }
}

export class BlobAgentDownloads implements AgentDownloadStore {
  readonly #container: ContainerClient;
  readonly missingBuildHint: string;

  constructor(service: BlobServiceClient, containerName: string) {
    this.#container = service.getContainerClient(containerName);
    this.missingBuildHint =
      `run \`npm run build:worker\`, then upload dist/worker/ to the blob container '${containerName}' of the master's storage account ` +
      `(az storage blob upload-batch --auth-mode login --account-name <account> --destination ${containerName} --source dist/worker --overwrite)`;
  }

  static fromConnectionString(connectionString: string, containerName: string): BlobAgentDownloads {
    return new BlobAgentDownloads(BlobServiceClient.fromConnectionString(connectionString), containerName);
  }

  static fromManagedIdentity(blobServiceUri: string, credential: TokenCredential, containerName: string): BlobAgentDownloads {
    return new BlobAgentDownloads(new BlobServiceClient(blobServiceUri, credential), containerName);
  }

  async readListing(): Promise<AgentDownloads | undefined> {
    let bytes: Buffer;
    try {
      bytes = await this.#container.getBlobClient(agentDownloadsListing).downloadToBuffer();
    } catch (error) {
      // No container yet is no build yet, as is no listing.
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
    return parseListing(bytes.toString('utf8'), `${this.#container.containerName}/${agentDownloadsListing}`);
  }

  async open(download: AgentDownload): Promise<Readable> {
    const response = await this.#container.getBlobClient(download.fileName).download(0);
    return response.readableStreamBody as Readable;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentDownloadsListing, type AgentDownloads } from '../../contracts/agent-downloads.js';

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A build laid out as `npm run build:worker` lays it out (the files and downloads.json), of random bytes: what the
 * master hands out is checked byte for byte, and the real build takes minutes (test/worker-agent/distribution/).
 */
export function writeAgentBuild(folder: string): { listing: AgentDownloads; files: Map<string, Buffer> } {
  mkdirSync(folder, { recursive: true });
  const files = new Map<string, Buffer>([
    ['scaleout-worker-0.9.0.tgz', randomBytes(40_000)],
    // Larger than any one read or write buffer, so the answer is streamed in many pieces.
    ['scaleout-worker-0.9.0-linux-x64', randomBytes(3 * 1024 * 1024 + 7)],
    ['scaleout-worker-0.9.0-win-x64.exe', randomBytes(100_001)],
  ]);
  const platforms = ['npm', 'linux-x64', 'win-x64'] as const;
  const listing: AgentDownloads = {
    agentVersion: '0.9.0',
    nodeVersion: '22.23.3',
    downloads: [...files].map(([fileName, bytes], index) => ({ fileName, platform: platforms[index]!, size: bytes.length, sha256: sha256(bytes) })),
  };
  for (const [fileName, bytes] of files) writeFileSync(join(folder, fileName), bytes);
  writeFileSync(join(folder, agentDownloadsListing), JSON.stringify(listing));
  return { listing, files };
}

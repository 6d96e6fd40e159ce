import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { callEndpoint } from '../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../contracts/endpoint.js';
import { addWorker, deployProject, enableScaleOut, enableWorker, maxProjectArchiveBytes } from '../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../contracts/node-https-transport.js';
import { assembleIdentity, generateWorkerIdentity } from '../worker-agent/identity/certificate.js';
import { connectToMaster } from '../worker-agent/master/connect.js';
import { zipFiles } from '../test/support/project-zip.js';
import { startBenchMaster } from './master-process.js';
import { positiveSetting, round } from './numbers.js';

/**
 * `npm run bench:archives`: the master's memory while a large project archive passes through it
 * (docs/adr/0003-project-archives-in-blob-storage.md). A local host in a process of its own, its archives in
 * Azurite's blob service; one deploy of an archive of N MB (incompressible data) through the management API, then
 * K workers downloading it at once through the agent's own download path (connectToMaster → downloadArchive, each
 * checked against the SHA-256 the master announced). A warm-up deploy and download first, so the baseline is a
 * master that has served both before. Prints one JSON line:
 * - archiveMb: the archive's size (MiB);
 * - concurrentDownloads: K;
 * - masterRssGrowthMb: the master process's highest resident set during the deploy and the downloads, less its
 *   resident set just before (MiB; sampled every 10 ms). The target is ≤ 64 for 100 MB × 8;
 * - deployMbPerSec / downloadMbPerSec: the deploy's rate, and every byte the K workers received over the time
 *   from the first request to the last byte.
 *
 * Settings: SCALEOUT_BENCH_ARCHIVE_MB (default 100, at most 100: the deploy limit), SCALEOUT_BENCH_DOWNLOADS
 * (default 8).
 */
const mib = 1024 * 1024;
const archiveMbAsked = positiveSetting(process.env['SCALEOUT_BENCH_ARCHIVE_MB'], 100, 'SCALEOUT_BENCH_ARCHIVE_MB');
const concurrentDownloads = positiveSetting(process.env['SCALEOUT_BENCH_DOWNLOADS'], 8, 'SCALEOUT_BENCH_DOWNLOADS');
if (archiveMbAsked * mib > maxProjectArchiveBytes) throw new Error(`SCALEOUT_BENCH_ARCHIVE_MB must be at most ${maxProjectArchiveBytes / mib}`);

const master = await startBenchMaster();
const adminTransport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.thumbprint });
const admin = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
  callEndpoint(adminTransport, endpoint, input, { headers: { authorization: `Bearer ${master.adminKey}` } });
try {
  await admin(enableScaleOut, {});
  const workers: ReturnType<typeof connectToMaster>[] = [];
  for (let i = 0; i < concurrentDownloads; i++) {
    const generated = await generateWorkerIdentity({ commonName: `bench-archive-reader-${i}`, validDays: 1 });
    const { workerAgentId } = (await admin(addWorker, { body: { certificate: generated.certificatePem } })).worker!;
    await admin(enableWorker, { params: { workerAgentId } });
    const identity = assembleIdentity(new X509Certificate(generated.certificatePem), createPrivateKey(generated.privateKeyPem), new Date());
    workers.push(connectToMaster({ masterEndpoint: master.url, masterHttpsCertThumbprint: master.thumbprint }, identity, Date.now));
  }
  console.log(`master ${master.url} in its own process, archives in Azurite's blob service, ${concurrentDownloads} workers`);

  // Warm-up: every code path of a deploy and a download has run once before the baseline is taken.
  const warmUp = await deploy(await projectArchive(mib), 'WarmUp');
  await Promise.all(workers.map(({ master: client }) => download(client, warmUp)));

  // Just under the asked size: the zip's own headers and the manifest fit in the rest.
  const archive = await projectArchive(archiveMbAsked * mib - 256 * 1024);
  const archiveMb = round(archive.length / mib);
  console.log(`archive of ${archiveMb} MiB built; deploying it`);
  const baseline = await master.memory();
  const deployStart = performance.now();
  const version = await deploy(archive, 'Large');
  const deploySeconds = (performance.now() - deployStart) / 1000;
  const afterDeploy = await master.memory();
  console.log(`deployed in ${round(deploySeconds)} s; master RSS peak +${round((afterDeploy.peakRssBytes - baseline.rssBytes) / mib)} MiB`);

  const downloadStart = performance.now();
  const received = await Promise.all(workers.map(({ master: client }) => download(client, version)));
  const downloadSeconds = (performance.now() - downloadStart) / 1000;
  const afterDownloads = await master.memory();
  const peak = Math.max(afterDeploy.peakRssBytes, afterDownloads.peakRssBytes);
  console.log(`${concurrentDownloads} downloads in ${round(downloadSeconds)} s, each ${archiveMb} MiB and its SHA-256 as announced`);

  for (const worker of workers) worker.close();
  console.log(
    JSON.stringify({
      archiveMb,
      concurrentDownloads,
      masterRssGrowthMb: round((peak - baseline.rssBytes) / mib),
      deployMbPerSec: round(archive.length / mib / deploySeconds),
      downloadMbPerSec: round(received.reduce((sum, bytes) => sum + bytes, 0) / mib / downloadSeconds),
    }),
  );
} finally {
  adminTransport.close();
  await master.stop();
}

async function deploy(archive: Buffer, projectName: string): Promise<{ projectVersionId: number; archiveSha256: string }> {
  return admin(deployProject, { params: { folderName: 'Bench', projectName }, body: archive });
}

/** One worker's download, as the agent's archive cache makes it: the bytes, checked against the announced SHA-256. */
async function download(
  client: ReturnType<typeof connectToMaster>['master'],
  version: { projectVersionId: number; archiveSha256: string },
): Promise<number> {
  const bytes = await client.downloadArchive(version.projectVersionId);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== version.archiveSha256) throw new Error(`project version ${version.projectVersionId}: downloaded SHA-256 ${sha256}, announced ${version.archiveSha256}`);
  return bytes.length;
}

/** A project whose one package reads `payloadBytes` of random data: a zip about that size, whatever compression does. */
function projectArchive(payloadBytes: number): Promise<Buffer> {
  return zipFiles({
    'scaleout.json': JSON.stringify({ name: 'Bench', packages: [{ name: 'read', runner: 'node', entry: 'read.mjs' }] }),
    'read.mjs': 'export default async function read() {}\n',
    'data/payload.bin': randomBytes(payloadBytes),
  });
}

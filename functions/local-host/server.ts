import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { problemContentType } from '../../contracts/endpoint.js';
import { limitedBody, PayloadTooLargeError, type ApiRequest, type Invocation, type Logger } from '../http/api-request.js';
import type { HttpFunction } from '../http/define-handler.js';
import { ProblemType } from '../http/problem.js';
import { runHttpFunction } from '../http/run-http-function.js';
import type { MasterServices } from '../master-services.js';
import { Router } from './router.js';

export interface HttpsHost {
  server: Server;
  port: number;
  /** Starts answering with the functions; until then every request gets 503. */
  serve(functions: readonly HttpFunction[], services: MasterServices): void;
  close(): Promise<void>;
}

/**
 * Listens for HTTPS and serves the function table's HTTP functions, as the Functions host does in Azure. It
 * listens before the services exist, so the master's address can name the port actually bound (port 0 in tests).
 * Connections are kept alive longer than any claim may wait, so a worker keeps one connection.
 */
export async function listenHttps(options: {
  tls: { certPem: string; keyPem: string };
  host: string;
  port: number;
  log: Logger;
}): Promise<HttpsHost> {
  let route: ((req: IncomingMessage, res: ServerResponse, invocation: Invocation) => Promise<void>) | undefined;
  let invocationCount = 0;
  const server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    if (!route) {
      res.writeHead(503, { 'retry-after': '1' });
      res.end();
      return;
    }
    const invocation: Invocation = { invocationId: `local-${process.pid}-${++invocationCount}`, functionName: '', log: options.log };
    route(req, res, invocation).catch((error: unknown) => {
      options.log.error('request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = 150_000;
  server.headersTimeout = 160_000;
  server.requestTimeout = 0;
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    serve(functions, services) {
      const router = new Router(functions);
      route = (req, res, invocation) => handle(req, res, router, services, invocation);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  router: Router,
  services: MasterServices,
  invocation: Invocation,
): Promise<void> {
  const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
  const match = router.match(req.method ?? 'GET', url.pathname);
  if (match.kind !== 'found') {
    const status = match.kind === 'wrong-method' ? 405 : 404;
    const detail =
      match.kind === 'wrong-method'
        ? `${req.method} is not allowed on ${url.pathname}; use ${match.allowed.join(', ')}`
        : `no endpoint at ${url.pathname} (the API is described at /api/v1/openapi.json)`;
    res.writeHead(status, {
      'content-type': problemContentType,
      ...(match.kind === 'wrong-method' ? { allow: match.allowed.join(', ') } : {}),
    });
    res.end(
      JSON.stringify({
        type: match.kind === 'wrong-method' ? ProblemType.methodNotAllowed : ProblemType.notFound,
        title: match.kind === 'wrong-method' ? 'Method not allowed' : 'Not found',
        status,
        detail,
        instance: url.pathname,
      }),
    );
    return;
  }
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const request: ApiRequest = {
    method: req.method ?? 'GET',
    url,
    params: match.params,
    header: (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: () => readBody(req, match.fn.maxBodyBytes),
    stream: () => limitedBody(req, req.headers['content-length'], match.fn.maxBodyBytes),
    signal: aborted.signal,
  };
  const response = await runHttpFunction(match.fn, request, services, { ...invocation, functionName: match.fn.name });
  // A body still arriving (refused early, or too large) is not worth receiving: close instead of draining it.
  // A request that arrived whole (every GET, most POSTs) keeps its connection: what is left unread is dropped.
  const headers = req.complete ? (response.headers ?? {}) : { ...response.headers, connection: 'close' };
  if (req.complete) req.resume();
  res.writeHead(response.status, headers);
  if (response.body instanceof Readable) {
    // A failure mid-way ends the connection: the client sees fewer bytes than the content-length it was promised.
    await pipeline(response.body, res).catch((error: unknown) => {
      invocation.log.warn('response stream failed', { function: match.fn.name, error: error instanceof Error ? error.message : String(error) });
    });
  } else res.end(response.body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new PayloadTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A request Node could not parse (an over-long URL or header block, a malformed request line) never reaches a
 * function; Node's own answer is a bare status line. This answers problem+json instead, as every other refusal.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request line and headers are too long (16 KiB at most): shorten the URL or the headers']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time']
        : [400, `the request is not well-formed HTTP (${error.code ?? error.message})`];
  const body = JSON.stringify({
    type: status === 431 ? ProblemType.headersTooLarge : ProblemType.invalidRequest,
    title: STATUS_CODES[status],
    status,
    detail,
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${problemContentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

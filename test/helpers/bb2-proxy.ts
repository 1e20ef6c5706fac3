/**
 * The network between the pipeline and BB2, for tests of what BB2 may do but the emulator does not
 * do on request: every request is forwarded to the emulator unchanged (with the Host the client
 * used, so links and discovery name the proxy), and a test can change what passes:
 * - `editBundle`: change a FHIR search page on its way back (e.g. a `next` link to another
 *   origin, or one broken resource);
 * - `spoilBearer`: replace the access token of FHIR requests, so BB2 itself answers 401 as it
 *   does to a token it no longer accepts;
 * - `hang`: hold FHIR requests it matches without ever answering (a BB2 that stopped responding
 *   mid-request); `hung` records each, and whether the client gave up on it (closed the connection).
 * OAuth, discovery and the control API always pass through untouched.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Bb2Proxy {
  url: string;
  /** Changes each FHIR search Bundle passing back (undefined: pass it unchanged). */
  editBundle: ((bundle: Json, path: string) => Json) | undefined;
  spoilBearer: boolean;
  /** Which FHIR requests never get an answer (undefined: none). */
  hang: ((path: string) => boolean) | undefined;
  /** The requests held by `hang`; `abandoned` once the client closed its end. */
  readonly hung: { path: string; abandoned: boolean }[];
  /** FHIR requests seen (path and query). */
  readonly fhirRequests: string[];
  close(): Promise<void>;
}

export async function startBb2Proxy(targetUrl: string): Promise<Bb2Proxy> {
  const target = new URL(targetUrl);
  const fhirRequests: string[] = [];
  const hung: Bb2Proxy['hung'][number][] = [];
  const proxy: Bb2Proxy = {
    url: '',
    editBundle: undefined,
    spoilBearer: false,
    hang: undefined,
    hung,
    fhirRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const isFhir = path.startsWith('/v2/fhir/') && !path.startsWith('/v2/fhir/metadata');
    const headers: IncomingHttpHeaders = { ...req.headers };
    // Plain bodies, so a page can be read and changed here.
    delete headers['accept-encoding'];
    if (isFhir) {
      fhirRequests.push(path);
      if (proxy.spoilBearer) headers.authorization = 'Bearer no-longer-accepted-by-bb2';
      if (proxy.hang?.(path)) {
        const held = { path, abandoned: false };
        hung.push(held);
        res.on('close', () => (held.abandoned = !res.writableEnded));
        return;
      }
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          const edit = proxy.editBundle;
          if (isFhir && edit && answer.statusCode === 200) {
            body = Buffer.from(JSON.stringify(edit(JSON.parse(body.toString('utf8')) as Json, path)));
          }
          const out = { ...answer.headers };
          delete out['content-length'];
          delete out['transfer-encoding'];
          delete out['content-encoding'];
          res.writeHead(answer.statusCode ?? 502, { ...out, 'content-length': body.length });
          res.end(body);
        });
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** A server that only counts what reaches it (a `next` link's foreign origin). */
export async function startCountingServer(): Promise<{
  url: string;
  requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}> {
  const requests: { path: string; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '/', authorization: req.headers.authorization });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Hostile BB2: answers a careless client chokes on, for the faults in faults.ts. None of these is
 * documented BB2 behaviour; they are what any HTTP server, a broken proxy or an attacker in the
 * path can send, and what RFC 6749 allows (a refresh answered without a new refresh token, §6;
 * a token response with members the client did not ask for, §5.1):
 * - a body far larger than any real page (BB2 caps `_count` at 50; its largest real EOB pages
 *   are a few hundred KB to a few MB);
 * - a gzip bomb: a small body that inflates to gigabytes. Built from repeated gzip members of one
 *   16 MiB run of spaces (RFC 1952 §2.2: a gzip file is a series of members, and gunzip inflates
 *   them all), so it costs a few KB of memory here;
 * - a gzip stream cut short, a `next` link that loops or leaves BB2's origin.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

const MEMBER_INFLATED = 16 * 1024 * 1024;
let member: Buffer | undefined;

/** One gzip member inflating to 16 MiB of spaces (about 16 KB). */
function bombMember(): Buffer {
  member ??= gzipSync(Buffer.alloc(MEMBER_INFLATED, 0x20), { level: 9 });
  return member;
}

/**
 * Streams a 200 whose body is `bytes` long: a Bundle's opening, then spaces (valid JSON if it
 * were ever complete), written in chunks as the socket takes them.
 */
export function sendHugeBody(res: ServerResponse, contentType: string, bytes: number): void {
  const head = Buffer.from(`{"resourceType":"Bundle","id":"${randomUUID()}","entry":[`, 'utf8');
  const tail = Buffer.from(']}', 'utf8');
  const total = Math.max(bytes, head.length + tail.length);
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': total });
  res.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = total - head.length - tail.length;
  const pump = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('close', () => (left = 0));
  pump();
}

/** Sends a 200 gzip body that inflates to at least `bytes`. */
export function sendGzipBomb(res: ServerResponse, contentType: string, bytes: number): void {
  const one = bombMember();
  const members = Math.max(1, Math.ceil(bytes / MEMBER_INFLATED));
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Encoding': 'gzip',
    'Content-Length': one.length * members,
  });
  res.cork();
  for (let i = 0; i < members; i++) res.write(one);
  res.end();
}

/** Sends a 200 gzip body whose gzip stream stops halfway (no trailer: a bad gzip). */
export function sendTruncatedGzip(res: ServerResponse, contentType: string, body: Buffer): void {
  const gz = gzipSync(body, { level: 1 });
  const cut = gz.subarray(0, Math.max(10, Math.floor(gz.length / 2)));
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Encoding': 'gzip',
    'Content-Length': cut.length,
  });
  res.end(cut);
}

/** The Bundle JSON with its `next` link replaced (added on a last page). */
export function withNextLink(bundleJson: Buffer, next: string): Buffer {
  const bundle = JSON.parse(bundleJson.toString('utf8')) as { link?: { relation: string; url: string }[] };
  const links = (bundle.link ?? []).filter((l) => l.relation !== 'next');
  bundle.link = [{ relation: 'next', url: next }, ...links];
  return Buffer.from(JSON.stringify(bundle), 'utf8');
}

/** A `next` link to another origin, with the same path and query. */
export function foreignLink(requestUrl: string): string {
  const url = new URL(requestUrl);
  return `https://bb2-mirror.invalid${url.pathname}${url.search}`;
}

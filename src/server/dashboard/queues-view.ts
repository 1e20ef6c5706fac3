/**
 * /admin/queues: bull-board over the `sync` and `runs` queues, for BullMQ's own view of jobs.
 * Read-only (every write answers 405, server side) unless DASHBOARD_ALLOW_ACTIONS=true. Job data
 * holds ids only; the formatter still masks anything that is not an id, so a future field can
 * never put a token or PHI on screen.
 */
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';

import type { Queues } from '../../workers/queues.ts';

export const QUEUES_PATH = '/admin/queues';

/** Keys of job data shown as they are, when their values look like ids, flags or small counts. */
const SHOWN_KEYS = new Set(['enrollmentId', 'enrollmentIds', 'runId', 'full', 'trigger', 'requestedBy']);
const ID_LIKE = /^[A-Za-z0-9_.:@-]{1,120}$/;
export const MASK = '[hidden]';

function shown(value: unknown): unknown {
  if (typeof value === 'boolean' || typeof value === 'number' || value === null) return value;
  if (typeof value === 'string') return ID_LIKE.test(value) ? value : MASK;
  if (Array.isArray(value)) {
    const items = value.slice(0, 50).map(shown);
    return value.length > 50 ? [...items, `… ${value.length - 50} more`] : items;
  }
  return MASK;
}

/** Job data as the queue view shows it: allowlisted keys with id-like values; everything else masked. */
export function maskJobData(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return data === undefined ? data : MASK;
  return Object.fromEntries(
    Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, SHOWN_KEYS.has(k) ? shown(v) : MASK]),
  );
}

export async function registerQueuesView(
  app: FastifyInstance,
  options: { queues: Queues; allowActions: boolean },
): Promise<void> {
  const adapters = [options.queues.sync, options.queues.runs].map((queue) => {
    const adapter = new BullMQAdapter(queue, {
      readOnlyMode: !options.allowActions,
      allowRetries: options.allowActions,
      description:
        queue.name === 'sync' ? 'one job per enrollment sync' : 'run fan-outs and the nightly scheduler',
    });
    adapter.setFormatter('data', maskJobData);
    return adapter;
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: adapters,
    // @bull-board/fastify 9.10.1 pins its own copy of @bull-board/api 9.10.1, whose private
    // members make the types differ from our 9.10.2; the interface is the same.
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: {
      uiConfig: {
        boardTitle: 'bbsync queues',
        miscLinks: [{ text: 'Dashboard', url: '/' }],
        hideDocsLink: true,
      },
    },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
}

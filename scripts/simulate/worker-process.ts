/**
 * A worker process of the simulation (`--processes`, see workers.ts): the real workers on the
 * simulation's Postgres and Redis, asking the simulation's process for the modelled BB2's answers.
 */
import { createPool } from '../../src/db/client.ts';
import type { AttemptOutcome, SimBb2 } from './stand-ins.ts';
import { startSimWorkers, type WorkerSpec } from './workers.ts';

const spec = JSON.parse(process.env.BBSYNC_SIM_WORKER ?? '{}') as WorkerSpec;
const waiting = new Map<number, (result: unknown) => void>();
let nextId = 0;

function ask<T>(message: Record<string, unknown>): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve) => {
    waiting.set(id, resolve as (result: unknown) => void);
    process.send!({ id, ...message });
  });
}

const bb2: SimBb2 = {
  attempt: (n, full, attempt) => ask<AttemptOutcome>({ kind: 'attempt', args: [n, full, attempt] }),
  probe: () => ask({ kind: 'probe' }),
};

// Each sync holds a session (its lock, and the simulation writes on it); three more for the
// feeder, the janitor and a start-run job (they wait for one when all are busy).
const pool = createPool(spec.dbUrl, { max: spec.concurrency + 3 });
const workers = await startSimWorkers(spec, pool, bb2);
process.on('message', (message: 'close' | { id: number; result: unknown }) => {
  if (message === 'close') {
    void workers
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
    return;
  }
  const resolve = waiting.get(message.id);
  waiting.delete(message.id);
  resolve?.(message.result);
});
process.send!({ ready: true });

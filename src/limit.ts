/**
 * At most `n` of something at a time (a counting semaphore): `await gate(() => work())`.
 */
export type Gate = <T>(fn: () => Promise<T>) => Promise<T>;

export function createGate(n: number): Gate {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export const noGate: Gate = (fn) => fn();

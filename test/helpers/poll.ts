/** Waiting for a state that another process brings about, by reading it again and again. */

/**
 * Reads `read()` every 100 ms until `done` says yes, and returns what it read; after `timeoutMs`
 * (default 60 s) fails naming `what` and the last value read.
 */
export async function poll<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < timeoutMs / 100; i++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

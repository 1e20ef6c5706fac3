/**
 * Crash points for tests of crash safety: when a named point is listed in BBSYNC_FAILPOINTS,
 * reaching it kills the process on the spot (SIGKILL: no cleanup, no flush), exactly like a
 * power cut at that line; `name:throw` makes it throw once instead. In normal operation the list is
 * empty and this does nothing.
 */
export type Failpoint = (name: string) => void;

export function makeFailpoint(enabled: readonly string[]): Failpoint {
  if (enabled.length === 0) return () => {};
  const kill = new Set(enabled.filter((e) => !e.endsWith(':throw')));
  // `name:throw` makes the point throw instead (once per process): a write that fails, not a crash.
  const fail = new Set(enabled.filter((e) => e.endsWith(':throw')).map((e) => e.slice(0, -':throw'.length)));
  return (name) => {
    if (kill.has(name)) process.kill(process.pid, 'SIGKILL');
    if (fail.delete(name)) throw new Error(`failpoint ${name}`);
  };
}

export const noFailpoints: Failpoint = () => {};

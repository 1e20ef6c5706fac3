/**
 * Crash points for tests of crash safety: when a named point is listed in BBSYNC_FAILPOINTS,
 * reaching it kills the process on the spot (SIGKILL: no cleanup, no flush), exactly like a
 * power cut at that line. In normal operation the list is empty and this does nothing.
 */
export type Failpoint = (name: string) => void;

export function makeFailpoint(enabled: readonly string[]): Failpoint {
  if (enabled.length === 0) return () => {};
  const set = new Set(enabled);
  return (name) => {
    if (set.has(name)) process.kill(process.pid, 'SIGKILL');
  };
}

export const noFailpoints: Failpoint = () => {};

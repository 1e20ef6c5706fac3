/**
 * The one way a command's action is written: its module is imported only when the command runs, so
 * `bbsync --help` stays fast and a command never pays for another's dependencies.
 */

/** A command's run function: what `bbsync <command>` does once its arguments are parsed. */
type RunFunction = (...args: never[]) => unknown;

/**
 * The action of a command whose code is `name` in the module `load` imports, e.g.
 * `lazyAction(() => import('../commands/sync.ts'), 'runSync')`. Commander's arguments (the
 * command's arguments, then its options) are passed through as they come.
 */
export function lazyAction<Name extends string, Module extends Record<Name, RunFunction>>(
  load: () => Promise<Module>,
  name: Name,
): (...args: Parameters<Module[Name]>) => Promise<void> {
  return async (...args) => {
    const run = (await load())[name] as (...args: Parameters<Module[Name]>) => unknown;
    await run(...args);
  };
}

/** Exit codes: 0 ok, 1 inventory errors or --check drift, 2 usage or internal error. */
export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

/** What a command module gets from main: a way to set the process exit code. */
export interface CommandContext {
  setExit(code: number): void;
}

// The CLI's failures: each becomes one `roomcast: …` line on stderr and an exit code (2 usage, 1 runtime).

/** Exit codes of the `roomcast` command. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** A failure to report as one line on stderr, with the exit code to end with. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** A mistake in the command line (unknown command or option, bad value, missing token): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = "UsageError";
  }
}

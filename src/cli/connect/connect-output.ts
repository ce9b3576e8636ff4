// Where `roomcast connect` writes: events as human or JSON lines, local notes, the prompt kept below them.
import { clearLine, cursorTo, type Interface } from "node:readline";
import type { CliIo } from "../io.ts";
import { humanLine, jsonLine, type OutputEvent } from "./render.ts";

export interface OutputOptions {
  /** One JSON object per event on stdout (a pipe, or --json). */
  json: boolean;
  color: boolean;
  /** A terminal session with a `> ` prompt. */
  interactive: boolean;
  /** The server, for human lines that link to it. */
  url: string;
}

/** Writes the session's output; on a terminal, lines go above the prompt once it is shown. */
export class SessionOutput {
  readonly #io: CliIo;
  readonly #options: OutputOptions;
  /** The readline showing `> `, from the first sync until input closes. */
  #prompt: Interface | null = null;

  constructor(io: CliIo, options: OutputOptions) {
    this.#io = io;
    this.#options = options;
  }

  get json(): boolean {
    return this.#options.json;
  }

  /** Shows the prompt (on a terminal) and keeps it below every later line. */
  showPrompt(rl: Interface): void {
    if (!this.#options.interactive || this.#prompt) return;
    this.#prompt = rl;
    rl.prompt();
  }

  /** Input closed: lines are written plainly from now on. */
  hidePrompt(): void {
    this.#prompt = null;
  }

  /** Shows the prompt again after a line was handled. */
  reprompt(): void {
    this.#prompt?.prompt();
  }

  /** One line on stdout, above the prompt when there is one. */
  write(line: string): void {
    const out = this.#io.stdout;
    if (this.#prompt) {
      clearLine(out, 0);
      cursorTo(out, 0);
      out.write(`${line}\n`);
      this.#prompt.prompt(true);
    } else {
      out.write(`${line}\n`);
    }
  }

  /** An event, rendered for a person or as a JSON line. */
  emit(ev: OutputEvent): void {
    const line = this.#options.json
      ? jsonLine(ev)
      : humanLine(ev, { color: this.#options.color, url: this.#options.url });
    if (line !== null) this.write(line);
  }

  /** A local problem (bad input, failed publish): in the conversation on a terminal, on stderr in JSON mode. */
  note(text: string): void {
    if (this.#options.json) this.#io.stderr.write(`roomcast: ${text}\n`);
    else this.write(this.#options.color ? `\u001b[31m! ${text}\u001b[0m` : `! ${text}`);
  }

  /** Text for the person at the keyboard (/help): stderr in JSON mode, so stdout stays JSON lines. */
  info(text: string): void {
    if (this.#options.json) this.#io.stderr.write(`${text}\n`);
    else this.write(text);
  }

  /** How to resume later, for a person (JSON readers have every seq already). */
  resumeHint(epoch: string, seq: number): void {
    if (this.#options.json) return;
    const text = `* to resume later: --since ${seq} --epoch ${epoch}`;
    this.write(this.#options.color ? `\u001b[2m${text}\u001b[0m` : text);
  }

  /** The session's last word: one `roomcast: …` line on stderr. */
  fail(message: string): void {
    this.#io.stderr.write(`roomcast: ${message}\n`);
  }
}

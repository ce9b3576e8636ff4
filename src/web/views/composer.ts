// The message composer: Enter sends, Shift+Enter adds a line, the box grows with its text.
const MAX_HEIGHT_PX = 160;

export class Composer {
  readonly #form: HTMLFormElement;
  readonly #input: HTMLTextAreaElement;
  readonly #button: HTMLButtonElement;

  /** `onSend` gets the trimmed text; returning false keeps the text in the box (e.g. too large). */
  constructor(
    form: HTMLFormElement,
    input: HTMLTextAreaElement,
    button: HTMLButtonElement,
    onSend: (text: string) => boolean,
    onType: () => void = () => undefined,
  ) {
    this.#form = form;
    this.#input = input;
    this.#button = button;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (text === "" || input.disabled) return;
      if (onSend(text)) {
        input.value = "";
        this.#fit();
      }
      input.focus();
    });
    input.addEventListener("keydown", (e) => {
      // isComposing: Enter that confirms an IME composition (Japanese, Chinese…) must not send.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", () => {
      this.#fit();
      if (input.value.trim() !== "") onType();
    });
  }

  setEnabled(enabled: boolean): void {
    this.#input.disabled = !enabled;
    this.#button.disabled = !enabled;
    this.#form.classList.toggle("disabled", !enabled);
  }

  setPlaceholder(text: string): void {
    this.#input.placeholder = text;
  }

  focus(): void {
    this.#input.focus();
  }

  #fit(): void {
    this.#input.style.height = "auto";
    this.#input.style.height = `${Math.min(this.#input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }
}

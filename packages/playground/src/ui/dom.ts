/** Small DOM helpers: lookups that fail loudly, menus, validated number inputs, and one action at a time. */

/** The element matching `sel`; throws naming it when the page has none. */
export function $<E extends HTMLElement = HTMLElement>(sel: string): E {
  const e = document.querySelector<E>(sel);
  if (!e) throw new Error(`playground: no element ${sel}`);
  return e;
}

/** Replaces a select's options with `entries` (`[value, label]`). */
export function fill(select: HTMLElement, entries: readonly (readonly [string, string])[]): void {
  (select as HTMLSelectElement).replaceChildren(...entries.map(([value, label]) => new Option(label, value)));
}

/** The number in input `sel`; throws naming the field when it is not a number in `[min, max]`. */
export function num(
  sel: string,
  name: string,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = $<HTMLInputElement>(sel).value;
  const v = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    v < range.min ||
    v > range.max ||
    (range.integer && !Number.isInteger(v))
  )
    throw new RangeError(
      `${name} must be ${range.integer ? 'an integer' : 'a number'} in [${range.min}, ${range.max}], got '${raw}'`,
    );
  return v;
}

/**
 * Runs the page's actions one at a time: while one runs, `body[data-busy]` is set and buttons are
 * disabled; an error is shown in `#error` (and kept in its `data-error`) instead of being lost.
 */
export class Busy {
  private chain: Promise<void> = Promise.resolve();
  private depth = 0;

  /** Called after every action, failed or not (the backend status refreshes here). */
  constructor(private readonly after: () => void = () => undefined) {}

  run(action: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(async () => {
      this.set(+1);
      try {
        await action();
      } catch (e) {
        this.error(e);
      } finally {
        this.set(-1);
        this.after();
      }
    });
    return this.chain;
  }

  /** Shows `e` as the page's error. */
  error(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    const box = $('#error');
    box.textContent = msg;
    box.dataset['error'] = msg;
    box.hidden = false;
    console.error(e);
  }

  private set(d: number): void {
    this.depth += d;
    const busy = this.depth > 0;
    document.body.toggleAttribute('data-busy', busy);
    for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) b.disabled = busy;
    if (busy && d > 0) $('#error').hidden = true;
  }
}

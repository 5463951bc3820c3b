import { urlRefusal, type AddressGuard } from '@letta-webhooks/shared';

const MAX_ENTRIES = 10_000;

/**
 * {@link urlRefusal} memoised per URL. The verdict depends only on the URL
 * and the guard, both fixed for a worker's life, and working it out (a zod
 * parse and two WHATWG URL parses) cost about 5 µs on every attempt. Host
 * names are still vetted on every connect by the guarded DNS lookup.
 */
export class UrlRefusalMemo {
  readonly #guard: AddressGuard;
  // null: allowed (undefined means "not seen yet").
  readonly #verdicts = new Map<string, string | null>();

  constructor(guard: AddressGuard) {
    this.#guard = guard;
  }

  /** Why `url` may not be called, or undefined. */
  refusal(url: string): string | undefined {
    let verdict = this.#verdicts.get(url);
    if (verdict === undefined) {
      verdict = urlRefusal(url, this.#guard) ?? null;
      if (this.#verdicts.size >= MAX_ENTRIES) this.#verdicts.clear();
      this.#verdicts.set(url, verdict);
    }
    return verdict ?? undefined;
  }
}

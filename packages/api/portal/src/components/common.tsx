import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';

/** A button that copies `text` to the clipboard and says so. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => {
            setCopied(false);
          }, 1500);
        });
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

/** An error, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const message =
    error instanceof ApiError
      ? error.status === 404
        ? 'Not found: it does not exist, or is not yours to see.'
        : `${error.message}${error.field ? ` (${error.field})` : ''}`
      : error instanceof Error
        ? error.message
        : 'Something went wrong.';
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** The state of one asynchronous load. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Loads `load()` when a dependency changes; `reload()` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (live) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (live) setState({ data: undefined, error, loading: false });
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return {
    ...state,
    reload: () => {
      setTick((value) => value + 1);
    },
  };
}

/** A titled section of a page. */
export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section aria-labelledby={headingId} class="card">
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

/** Text shown verbatim (payloads, responses): always text, never markup. */
export function Verbatim({ text, label }: { text: string; label: string }) {
  return (
    <pre class="verbatim" tabIndex={0} aria-label={label}>
      {text}
    </pre>
  );
}

/** A label and its input, whose value lives in the caller's state. */
export function TextField({
  label,
  onValue,
  ...input
}: InputHTMLAttributes & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <>
      <label for={input.id}>{label}</label>
      <input
        {...input}
        onInput={(event) => {
          onValue(event.currentTarget.value);
        }}
      />
    </>
  );
}

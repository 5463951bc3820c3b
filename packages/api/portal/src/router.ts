import { useEffect, useState } from 'preact/hooks';

/** Where the page is: the path after `#` and its query. */
export interface Route {
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Route {
  const hash = window.location.hash.replace(/^#/, '') || '/endpoints';
  const [path = '/endpoints', query = ''] = hash.split('?');
  return { path, query: new URLSearchParams(query) };
}

/** The current route; re-renders on every `#…` change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => {
      setRoute(current());
    };
    window.addEventListener('hashchange', update);
    return () => {
      window.removeEventListener('hashchange', update);
    };
  }, []);
  return route;
}

/** A link target inside the portal. */
export function href(path: string, query?: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value) params.set(key, value);
  const text = params.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

/** Goes to a route. */
export function navigate(path: string, query?: Readonly<Record<string, string | undefined>>): void {
  window.location.hash = href(path, query);
}

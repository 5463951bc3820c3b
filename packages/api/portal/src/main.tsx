import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, closeSession, openSession, whenSessionEnds } from './api.js';
import { CataloguePage } from './pages/catalogue-page.js';
import { DeliveriesPage } from './pages/deliveries-page.js';
import { DeliveryPage } from './pages/delivery-page.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { EndpointsPage, NewEndpointPage } from './pages/endpoints-page.js';
import { href, useRoute } from './router.js';
import type { WhoAmI } from './wire.js';
import './styles.css';

type SessionState =
  | { readonly kind: 'opening' }
  | { readonly kind: 'open'; readonly who: WhoAmI }
  | { readonly kind: 'closed'; readonly message: string };

const NAV: readonly [path: string, label: string][] = [
  ['/endpoints', 'Endpoints'],
  ['/deliveries', 'Delivery log'],
  ['/event-types', 'Event catalogue'],
];

/** Opens the session: from the link's one-time token when there is one, else the cookie. */
async function open(): Promise<SessionState> {
  const token = /^#token=([A-Za-z0-9_-]+)$/.exec(window.location.hash)?.[1];
  if (token !== undefined) {
    // The token leaves the address bar (and history) before anything else happens.
    window.history.replaceState(null, '', `${window.location.pathname}#/endpoints`);
    try {
      await openSession(token);
    } catch (error) {
      return {
        kind: 'closed',
        message:
          error instanceof ApiError && error.status === 401
            ? 'This portal link has expired or was already used. Ask for a new link.'
            : 'The portal could not be opened. Try again in a moment.',
      };
    }
  }
  try {
    return { kind: 'open', who: await api.get<WhoAmI>('/session') };
  } catch {
    return {
      kind: 'closed',
      message: 'No open session. Open the portal from the link you were given.',
    };
  }
}

function Page({ who }: { who: WhoAmI }) {
  const route = useRoute();
  const [, section, id] = route.path.split('/');
  if (section === 'endpoints' && id === 'new') return <NewEndpointPage agentId={who.agent_id} />;
  if (section === 'endpoints' && id) return <EndpointPage id={decodeURIComponent(id)} />;
  if (section === 'deliveries' && id) return <DeliveryPage id={decodeURIComponent(id)} />;
  if (section === 'deliveries') return <DeliveriesPage query={route.query} />;
  if (section === 'event-types') return <CataloguePage />;
  return <EndpointsPage />;
}

function App() {
  const [session, setSession] = useState<SessionState>({ kind: 'opening' });
  const route = useRoute();
  useEffect(() => {
    whenSessionEnds(() => {
      setSession({
        kind: 'closed',
        message: 'Your portal session has ended. Open a new portal link.',
      });
    });
    void open().then(setSession);
  }, []);
  useEffect(() => {
    // A new page: move focus to it, so keyboard and screen reader users start there.
    if (session.kind === 'open') document.getElementById('main')?.focus();
  }, [route.path, session.kind]);
  if (session.kind === 'opening') return <p class="centered">Opening the portal…</p>;
  if (session.kind === 'closed')
    return (
      <main class="centered">
        <h1>Webhook portal</h1>
        <p role="alert">{session.message}</p>
      </main>
    );
  const section = `/${route.path.split('/')[1] ?? ''}`;
  return (
    <>
      <a
        class="skip"
        href={href(route.path)}
        onClick={(event) => {
          // The fragment holds the route: move focus instead of following the link.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <span class="brand">Webhooks</span>
        <nav aria-label="Portal">
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path)} aria-current={section === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.who.organization_id}
          {session.who.agent_id ? ` · ${session.who.agent_id}` : ''}
        </span>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            void closeSession().finally(() => {
              setSession({ kind: 'closed', message: 'Signed out.' });
            });
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page who={session.who} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);

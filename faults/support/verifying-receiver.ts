// The customer's side, independent of the project's code: a receiver on
// loopback that checks every signature itself (HMAC-SHA256 computed here) and
// records every request it gets.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  readonly path: string;
  readonly deliveryId: string;
  readonly eventId: string;
  /** `X-Letta-Attempt` */
  readonly attempt: number;
  readonly signatureValid: boolean;
  /** What the receiver answered (0: it never answered). */
  status: number;
  readonly at: number;
}

/** How to answer a request on a path: a status, or a socket-level misbehaviour. */
export type Behaviour =
  | { readonly kind: 'status'; readonly status: (request: ReceivedRequest, seen: number) => number }
  | { readonly kind: 'raw'; readonly handle: (req: IncomingMessage, res: ServerResponse) => void };

/** A receiver that verifies and records. */
export interface VerifyingReceiver {
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Requests whose body arrived and that are not answered yet. */
  inFlight(): number;
  /** Registers the secret of the endpoint at `path`, and how that path answers (default 204). */
  route(path: string, secret: string, behaviour?: Behaviour): void;
  /** Delivery ids answered 2xx with a valid signature, with how many times. */
  acknowledged(): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/** True when one of the `sha256=<hex>` signatures is the HMAC of `{id}.{timestamp}.{body}`. */
function verify(secret: string, eventId: string, timestamp: string, body: Buffer, header: string) {
  const expected = createHmac('sha256', keyOf(secret))
    .update(`${eventId}.${timestamp}.`)
    .update(body)
    .digest();
  return header.split(' ').some((part) => {
    const given = Buffer.from(part.replace(/^sha256=/, ''), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Starts the receiver on a free loopback port. */
export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  const requests: ReceivedRequest[] = [];
  const routes = new Map<string, { secret: string; behaviour?: Behaviour | undefined }>();
  const seenPerDelivery = new Map<string, number>();
  let open = 0;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const route = routes.get(path);
    const behaviour = route?.behaviour;
    if (behaviour?.kind === 'raw') {
      behaviour.handle(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = (name: string) => String(req.headers[name] ?? '');
      const request: ReceivedRequest = {
        path,
        deliveryId: header('x-letta-delivery-id'),
        eventId: header('x-letta-event-id'),
        attempt: Number(header('x-letta-attempt')),
        signatureValid:
          route !== undefined &&
          verify(
            route.secret,
            header('x-letta-event-id'),
            header('x-letta-timestamp'),
            Buffer.concat(chunks),
            header('x-letta-signature'),
          ),
        status: 0,
        at: Date.now(),
      };
      requests.push(request);
      const seen = (seenPerDelivery.get(request.deliveryId) ?? 0) + 1;
      seenPerDelivery.set(request.deliveryId, seen);
      const status = !request.signatureValid
        ? 401
        : behaviour?.kind === 'status'
          ? behaviour.status(request, seen)
          : 204;
      request.status = status;
      res.writeHead(status).end();
    });
    open += 1;
    res.on('close', () => {
      open -= 1;
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    inFlight: () => open,
    route(path, secret, behaviour) {
      routes.set(path, { secret, behaviour });
    },
    acknowledged() {
      const acked = new Map<string, number>();
      for (const r of requests) {
        if (r.signatureValid && r.status >= 200 && r.status < 300)
          acked.set(r.deliveryId, (acked.get(r.deliveryId) ?? 0) + 1);
      }
      return acked;
    },
    reset() {
      requests.length = 0;
      routes.clear();
      seenPerDelivery.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

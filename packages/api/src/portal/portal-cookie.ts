import type { FastifyReply, FastifyRequest } from 'fastify';

/** The portal session cookie. */
export const PORTAL_COOKIE = 'lw_portal';

/** Where the portal lives; the cookie is sent only below this path. */
export const PORTAL_PATH = '/portal';

/** The value of the portal cookie in a request, if it carries one. */
export function portalCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === PORTAL_COOKIE) return part.slice(at + 1).trim();
  }
  return undefined;
}

function cookie(value: string, attributes: readonly string[], secure: boolean): string {
  return [
    `${PORTAL_COOKIE}=${value}`,
    `Path=${PORTAL_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
    ...attributes,
  ].join('; ');
}

/**
 * Sets the session cookie: HttpOnly (scripts cannot read it), SameSite=Strict
 * (no other site's page can make the browser send it), scoped to the portal's
 * path, Secure whenever the request came over HTTPS, and ending with the session.
 */
export function setPortalCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  expiresAt: Date,
): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  void reply.header(
    'Set-Cookie',
    cookie(secret, [`Max-Age=${maxAge}`], request.protocol === 'https'),
  );
}

/** Clears the session cookie (signing out). */
export function clearPortalCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('Set-Cookie', cookie('', ['Max-Age=0'], request.protocol === 'https'));
}

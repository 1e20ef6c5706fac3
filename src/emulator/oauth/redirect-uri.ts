/** Redirects back to the client, with parameters the way oauthlib adds them. */

/** oauthlib's add_params_to_uri: appends to the redirect URI's own query. */
export function withParams(uri: string, params: Record<string, string>): string {
  const qs = new URLSearchParams(params).toString();
  const hash = uri.indexOf('#');
  const bare = hash >= 0 ? uri.slice(0, hash) : uri;
  return `${bare}${bare.includes('?') ? '&' : '?'}${qs}`;
}

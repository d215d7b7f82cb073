/**
 * A small client for Lamella's REST API v1 (EXACT's routes) with session auth and CSRF.
 * `fetchImpl` and `cookie` are parameters so that tests can pass fakes.
 */

const ANNOTATIONS = '/api/v1/annotations/annotations/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An HTTP failure; `detail` is the server's {"detail": ...} text when it sent one. */
export class ApiError extends Error {
  constructor(status, detail, body = null) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
    this.body = body; // the parsed JSON answer, e.g. a 409's current state
  }
}

/** The value of Django's csrftoken cookie in a document.cookie string, or ''. */
export function csrfFromCookie(cookie) {
  for (const part of (cookie || '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'csrftoken') return decodeURIComponent(rest.join('='));
  }
  return '';
}

/** A query string from an object, skipping null and undefined values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function errorOf(response) {
  try {
    const body = await response.json();
    const detail = body && typeof body.detail === 'string' ? body.detail : JSON.stringify(body);
    return new ApiError(response.status, detail, body);
  } catch {
    return new ApiError(response.status, response.statusText || 'request failed');
  }
}

export function createApi({ csrfToken = '', cookie = () => '', fetchImpl = fetch } = {}) {
  async function request(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (!SAFE_METHODS.has(method)) headers['X-CSRFToken'] = csrfToken || csrfFromCookie(cookie());
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetchImpl(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await errorOf(response);
    return response.status === 204 ? null : response.json();
  }

  return {
    request,

    /** Every page of a list, following `next` up to `maxPages`. */
    async listAll(url, maxPages = 50) {
      const results = [];
      let next = url;
      for (let page = 0; next && page < maxPages; page += 1) {
        const body = await request('GET', next);
        results.push(...body.results);
        next = body.next;
      }
      return results;
    },

    annotationsUrl(params) {
      return `${ANNOTATIONS}${query(params)}`;
    },

    /** Create, or update by unique_identifier (EXACT's upsert). */
    saveAnnotation(body) {
      return request('POST', ANNOTATIONS, body);
    },

    patchAnnotation(id, changes) {
      return request('PATCH', `${ANNOTATIONS}${id}/`, changes);
    },
  };
}

/**
 * Screening mode on the server: find, create or restart the user's row, and save each move at
 * once. Moves go out one request at a time, in order; moves made while one is on its way are
 * merged into the next (last tile, every tile passed), so fast key presses never reorder and a
 * failed request is retried with the next move. No DOM: node tests it with a fake API.
 */

import { query } from './api.js';

export const SCREENING_MODES = '/api/v1/images/screening_modes/';
// A move need not echo the grid (tens of thousands of tiles on a large slide).
const SMALL_ANSWER = query({ fields: 'id,current_index' });

/** Two PATCH bodies as one: the later tile, the tiles passed by both. */
export function mergeMoves(first, second) {
  if (!first) return second;
  const passed = new Set([...(first.mark_screened || []), first.current_index, ...(second.mark_screened || [])]);
  passed.delete(second.current_index);
  return { current_index: second.current_index, mark_screened: [...passed] };
}

export class ScreeningSync {
  constructor({ api, imageId, userId, onError = () => {} }) {
    this.api = api;
    this.imageId = imageId;
    this.userId = userId;
    this.onError = onError;
    this.id = null;
    this.queued = null;
    this.sending = null;
  }

  /** Requests not yet answered (0 when every move is saved). */
  get pending() {
    return (this.sending ? 1 : 0) + (this.queued ? 1 : 0);
  }

  /** The user's row for this image, or null when they never screened it. */
  async load() {
    const url = `${SCREENING_MODES}${query({ image: this.imageId, user: this.userId })}`;
    const body = await this.api.request('GET', url);
    const row = body.results && body.results[0];
    this.id = row ? row.id : null;
    return row || null;
  }

  /** Create the row, or replace the grid of the existing one; the server's row comes back. */
  async start(grid) {
    const row = this.id === null
      ? await this.api.request('POST', SCREENING_MODES, { ...grid, image: this.imageId })
      : await this.api.request('PATCH', `${SCREENING_MODES}${this.id}/`, grid);
    this.id = row.id;
    return row;
  }

  /** Record a move (a body from Screening.move); resolves once it, or a later one, is saved. */
  save(move) {
    if (!move || this.id === null) return Promise.resolve();
    this.queued = mergeMoves(this.queued, move);
    if (!this.sending) this.sending = this.drain();
    return this.sending;
  }

  async drain() {
    while (this.queued) {
      const body = this.queued;
      this.queued = null;
      try {
        await this.api.request('PATCH', `${SCREENING_MODES}${this.id}/${SMALL_ANSWER}`, body);
      } catch (error) {
        // Keep what failed: it goes out again, merged, with the next move.
        this.queued = this.queued ? mergeMoves(body, this.queued) : body;
        this.sending = null;
        this.onError(error);
        return;
      }
    }
    this.sending = null;
  }
}

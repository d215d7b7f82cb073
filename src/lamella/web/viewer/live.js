/**
 * Live co-annotation: follow the server-sent event stream of this image's annotation changes
 * and hand each change to `onChange`. When EventSource is missing or keeps failing, poll the
 * REST API for annotations edited since the last look (`last_edit_time__gte`) instead.
 */

const EVENTS = '/api/v1/annotations/events/';
const POLL_MS = 1500;
const FAILURES_BEFORE_POLLING = 3;

/** The snapshot shape the store understands, from an event's or the API's annotation. */
export function snapshotOfChange(annotation) {
  return {
    id: annotation.id,
    unique_identifier: annotation.unique_identifier,
    annotation_type: annotation.annotation_type,
    vector: annotation.vector,
    deleted: Boolean(annotation.deleted),
    description: annotation.description || '',
    meta_data: annotation.meta_data ?? null,
    generated: Boolean(annotation.generated),
    score: annotation.score ?? null,
    user: annotation.user ?? null,
    concealed: Boolean(annotation.concealed),
    blurred: Boolean(annotation.blurred),
    last_edit_time: annotation.last_edit_time,
    frame: annotation.frame,
  };
}

export class LiveFeed {
  constructor({ imageId, api, onChange, since = null, EventSourceImpl = globalThis.EventSource }) {
    this.imageId = imageId;
    this.api = api;
    this.onChange = onChange;
    this.EventSourceImpl = EventSourceImpl;
    this.source = null;
    this.timer = null;
    this.failures = 0;
    this.mode = 'off';
    this.since = since; // server time of the page load: polling starts there
  }

  start() {
    if (this.EventSourceImpl) this.listen();
    else this.poll();
  }

  stop() {
    if (this.source) this.source.close();
    if (this.timer) clearTimeout(this.timer);
    this.source = null;
    this.timer = null;
    this.mode = 'off';
  }

  listen() {
    this.mode = 'events';
    const source = new this.EventSourceImpl(`${EVENTS}?image=${this.imageId}`, { withCredentials: true });
    this.source = source;
    source.addEventListener('annotation', (event) => {
      this.failures = 0;
      const change = JSON.parse(event.data);
      this.onChange(change.annotation, change);
    });
    source.addEventListener('open', () => {
      this.failures = 0;
    });
    source.addEventListener('error', () => {
      // The stream ends on purpose every few seconds and EventSource reconnects; only a run of
      // failures without a single event in between means the stream does not work here.
      this.failures += 1;
      if (this.failures >= FAILURES_BEFORE_POLLING || source.readyState === 2) {
        source.close();
        this.source = null;
        this.poll();
      }
    });
  }

  poll() {
    this.mode = 'polling';
    const tick = async () => {
      try {
        const params = { image: this.imageId, limit: 500 };
        if (this.since) params.last_edit_time__gte = this.since;
        const results = await this.api.listAll(this.api.annotationsUrl(params), 5);
        for (const annotation of results) {
          if (!this.since || annotation.last_edit_time > this.since) this.since = annotation.last_edit_time;
          this.onChange(annotation, { action: 'poll' });
        }
      } catch {
        // A failed poll is retried on the next tick; the viewer keeps working offline.
      }
      if (this.mode === 'polling') this.timer = setTimeout(tick, POLL_MS);
    };
    tick();
  }
}

/**
 * Level of detail: after every pan or zoom, draw the shapes of the view when it holds at most
 * SHAPES_LIMIT annotations, and their counts per grid cell when it holds more, so that the
 * annotation layer never holds more than a few thousand shapes, whatever the slide holds.
 *
 * A density answer tells how many annotations lie where; a view inside a known density and
 * within the limit fetches its shapes at once, otherwise the density of the view (plus a
 * margin) is asked for first. `stats` says when the view last settled and when what it needs
 * was drawn (window.lamellaViewer.lod, for benchmarks/viewer.py).
 */

import { query } from './api.js';
import { DensityLayer } from './density.js';
import { MARGIN, SHAPES_LIMIT, cellFor, grow, imageBox, plan } from './lod.js';

const DENSITY = '/api/v1/annotations/annotations/density/';
// Shapes kept beyond the ones of the view before the far ones are forgotten.
const KEEP = 2 * SHAPES_LIMIT;

/** Resolves at the first render of `map` after which `isReady()` holds. */
function rendered(map, isReady) {
  return new Promise((resolve) => {
    const onRender = () => {
      if (!isReady()) return;
      map.un('postrender', onRender);
      resolve();
    };
    map.on('postrender', onRender);
    map.render();
  });
}

export class LevelOfDetail {
  constructor({ map, store, layer, api, config, notify }) {
    Object.assign(this, { map, store, layer, api, config, notify });
    this.density = new DensityLayer(config.annotation_types);
    map.addLayer(this.density.layer);
    this.state = { shapesBox: null, density: null, densityBox: null };
    this.stats = { settledAt: 0, shownAt: 0, mode: 'none', drawn: 0, requests: 0 };
    this.generation = 0;
    map.on('moveend', () => this.settle());
    store.onReload = () => this.reload();
  }

  /** Forget what is known (another frame) and fetch what the view needs. */
  reload() {
    this.state = { shapesBox: null, density: null, densityBox: null };
    this.settle();
  }

  async settle() {
    const generation = ++this.generation;
    this.stats.settledAt = performance.now();
    const view = this.map.getView();
    const size = this.map.getSize();
    if (!size || !view.getResolution()) return;
    const { width, height } = this.config.image;
    const box = imageBox(view.calculateExtent(size), width, height);
    if (box[2] <= box[0] || box[3] <= box[1]) return; // beside the image: nothing to show
    const wanted = grow(box, MARGIN, width, height);
    const cell = cellFor(view.getResolution());
    try {
      // At most: ask for a density, then fetch shapes or draw it.
      for (let round = 0; round < 3; round += 1) {
        const step = plan({ view: box, wanted, cell, state: this.state });
        if (step.action === 'ask') {
          const density = await this.fetchDensity(step.box, step.cell);
          if (generation !== this.generation) return;
          this.state.density = density;
          this.state.densityBox = step.box;
          continue;
        }
        await this.apply(step, generation);
        return;
      }
    } catch (error) {
      if (generation === this.generation) this.notify(`Could not load annotations: ${error.detail || error.message}`);
    }
  }

  fetchDensity(box, cell) {
    const params = { image: this.config.image.id, frame: this.store.frame, cell, in_bbox: box.map(Math.round).join(',') };
    this.stats.requests += 1;
    return this.api.request('GET', `${DENSITY}${query(params)}`);
  }

  async apply(step, generation) {
    const times = [performance.now()];
    let rows = null;
    if (step.action === 'shapes') {
      this.stats.requests += 1;
      rows = await this.store.fetchBox(step.box);
      if (generation !== this.generation) return;
    }
    times.push(performance.now());
    // Buffers still being built for the last change would be drawn as if they were these.
    await this.drawn();
    if (generation !== this.generation) return;
    times.push(performance.now());
    if (step.action === 'density') {
      this.store.prune(null);
      this.state.shapesBox = null;
      this.density.show(this.state.density);
    } else if (rows) {
      if (this.store.byUuid.size + rows.length > KEEP) this.store.prune(step.box);
      this.store.receive(rows);
      this.state.shapesBox = step.box;
      this.density.hide();
    }
    times.push(performance.now());
    await this.drawn();
    if (generation !== this.generation) return;
    times.push(performance.now());
    // Milliseconds spent fetching, waiting for the last buffers, applying, drawing.
    this.stats.steps = times.slice(1).map((t, i) => Math.round(t - times[i]));
    const mode = step.action === 'density' ? 'density' : 'shapes';
    const count = mode === 'density' ? this.state.density.n.length : this.store.source.getFeatures().length;
    Object.assign(this.stats, { shownAt: performance.now(), mode, drawn: count });
  }

  /**
   * Resolves once the layers show what they hold: the WebGL layer builds its buffers in a
   * worker after every change (`ready` is false meanwhile) and the density picture is
   * handed over a microtask after it is set.
   */
  drawn() {
    return rendered(this.map, () => {
      const renderer = this.layer.getRenderer();
      return (!renderer || renderer.ready !== false) && this.density.ready();
    });
  }
}

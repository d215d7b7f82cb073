/** The annotation list: what is loaded, filtered by type, click to focus. */

import { formatMeasure, measure, vectorToShape } from './annotations.js';

const MAX_ROWS = 300;

export class AnnotationList {
  constructor(container, store, config) {
    this.store = store;
    this.config = config;
    this.onFocus = () => {};
    this.filter = document.createElement('select');
    this.filter.setAttribute('aria-label', 'Filter by type');
    this.filter.append(new Option('All types', ''));
    for (const type of config.annotation_types) this.filter.append(new Option(type.name, String(type.id)));
    this.filter.addEventListener('change', () => this.render());
    this.count = document.createElement('p');
    this.count.className = 'list-count';
    this.rows = document.createElement('ul');
    this.rows.className = 'annotation-rows';
    container.append(this.filter, this.count, this.rows);
    this.scheduled = false;
    store.onChange(() => this.schedule());
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const wanted = this.filter.value ? Number(this.filter.value) : null;
    const all = this.store.visible().filter((a) => wanted === null || a.annotation_type === wanted);
    this.count.textContent = `${all.length} annotation${all.length === 1 ? "" : "s"} loaded${
      all.length > MAX_ROWS ? `, first ${MAX_ROWS} listed` : ''
    }`;
    const items = all.slice(0, MAX_ROWS).map((snapshot) => this.row(snapshot));
    this.rows.replaceChildren(...items);
  }

  row(snapshot) {
    const type = this.store.types.get(snapshot.annotation_type);
    const item = document.createElement('li');
    item.dataset.uuid = snapshot.unique_identifier;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = type.color_code;
    const name = document.createElement('span');
    name.textContent = `${type.name}${snapshot.id ? ` #${snapshot.id}` : ''}`;
    const detail = document.createElement('span');
    detail.className = 'measure';
    const shape = vectorToShape(snapshot.vector, type.vector_type);
    detail.textContent = shape ? formatMeasure(measure(shape, this.config.image.mpp), shape.kind) : 'whole image';
    item.append(swatch, name, detail);
    item.addEventListener('click', () => this.onFocus(snapshot));
    return item;
  }
}

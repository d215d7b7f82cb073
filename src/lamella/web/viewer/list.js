/** The annotation list: what is loaded, filtered by type, author, verification and origin; click to focus. */

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
    this.author = this.select('Filter by author', [['', 'Everyone'], ['mine', 'Mine'], ['others', 'Others']], 'author');
    this.verified = this.select('Filter by verification', [['', 'Verified or not'], ['yes', 'Verified by me'], ['no', 'Not verified by me']], 'verified');
    this.generated = this.select('Filter by origin', [['', 'People and models'], ['people', 'Drawn by people'], ['model', 'Model-generated']], 'generated');
    this.count = document.createElement('p');
    this.count.className = 'list-count';
    this.rows = document.createElement('ul');
    this.rows.className = 'annotation-rows';
    this.filter.dataset.filter = 'type';
    container.append(this.filter, this.author, this.verified, this.generated, this.count, this.rows);
    this.scheduled = false;
    store.onChange(() => this.schedule());
  }

  select(label, options, name) {
    const select = document.createElement('select');
    select.setAttribute('aria-label', label);
    select.dataset.filter = name;
    for (const [value, text] of options) select.append(new Option(text, value));
    select.addEventListener('change', () => this.render());
    return select;
  }

  /** Whether a snapshot passes the author, verified and origin filters. */
  passes(snapshot) {
    const me = this.config.user ? this.config.user.id : null;
    const mine = snapshot.user === me || (snapshot.user == null && !snapshot.id);
    if (this.author.value === 'mine' && !mine) return false;
    if (this.author.value === 'others' && mine) return false;
    if (this.verified.value === 'yes' && !snapshot.verified_by_user) return false;
    if (this.verified.value === 'no' && snapshot.verified_by_user) return false;
    if (this.generated.value === 'people' && snapshot.generated) return false;
    if (this.generated.value === 'model' && !snapshot.generated) return false;
    return true;
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
    const all = this.store
      .visible()
      .filter((a) => (wanted === null || a.annotation_type === wanted) && this.passes(a));
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
    const score = snapshot.generated && typeof snapshot.score === 'number' ? ` (${snapshot.score.toFixed(2)})` : '';
    name.textContent = `${type.name}${snapshot.id ? ` #${snapshot.id}` : ''}${score}`;
    if (snapshot.generated) item.classList.add('generated');
    const detail = document.createElement('span');
    detail.className = 'measure';
    const shape = vectorToShape(snapshot.vector, type.vector_type);
    detail.textContent = shape ? formatMeasure(measure(shape, this.config.image.mpp), shape.kind) : 'whole image';
    item.append(swatch, name, detail);
    item.addEventListener('click', () => this.onFocus(snapshot));
    return item;
  }
}

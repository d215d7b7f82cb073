/**
 * The details of the one selected annotation: description, meta_data (JSON), concealed and
 * blurred. Each change is saved at once as an undoable change, like a move.
 */

function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

export class Details {
  constructor(container, { store, history, canEdit, notify }) {
    this.store = store;
    this.history = history;
    this.notify = notify;
    this.uuid = null;
    this.form = element('form', { class: 'details', 'data-role': 'details', hidden: '' });
    this.description = element('textarea', { rows: '2', name: 'description', maxlength: '1000' });
    this.metaData = element('textarea', { rows: '3', name: 'meta_data', spellcheck: 'false' });
    this.concealed = element('input', { type: 'checkbox', name: 'concealed' });
    this.blurred = element('input', { type: 'checkbox', name: 'blurred' });
    const row = (text, input) => {
      const label = element('label', { class: 'panel-row' });
      label.append(element('span', {}, text), input);
      return label;
    };
    this.form.append(
      element('h2', {}, 'Selected'),
      row('Description', this.description),
      row('Meta data (JSON)', this.metaData),
      row('Concealed', this.concealed),
      row('Blurred', this.blurred),
    );
    for (const input of [this.description, this.metaData, this.concealed, this.blurred]) {
      input.disabled = !canEdit;
      input.addEventListener('change', () => this.save());
    }
    this.form.addEventListener('submit', (event) => event.preventDefault());
    container.append(this.form);
  }

  show(uuids) {
    const snapshot = uuids.length === 1 ? this.store.snapshotOf(uuids[0]) : null;
    this.uuid = snapshot ? snapshot.unique_identifier : null;
    this.form.hidden = !snapshot;
    if (!snapshot) return;
    this.description.value = snapshot.description || '';
    this.metaData.value = snapshot.meta_data == null ? '' : JSON.stringify(snapshot.meta_data, null, 1);
    this.concealed.checked = Boolean(snapshot.concealed);
    this.blurred.checked = Boolean(snapshot.blurred);
  }

  save() {
    const before = this.uuid && this.store.snapshotOf(this.uuid);
    if (!before) return;
    let metaData = null;
    try {
      metaData = this.metaData.value.trim() ? JSON.parse(this.metaData.value) : null;
    } catch {
      this.notify('Meta data must be JSON, e.g. {"grade": 2}; not saved.');
      return;
    }
    const after = {
      ...before,
      description: this.description.value,
      meta_data: metaData,
      concealed: this.concealed.checked,
      blurred: this.blurred.checked,
    };
    this.history.push({ before: [before], after: [after] });
    this.store.apply(after);
  }
}

/** The palette: the set's annotation types as tools, each with a keyboard shortcut. */

const SHAPES = { 1: 'box', 2: 'circle', 3: 'line', 4: 'multi-line', 5: 'polygon', 6: 'fixed box', 7: 'label' };

/** Shortcut per type id: the type's own key, else the digits 1-9 in palette order. */
export function shortcuts(types) {
  const taken = new Set(types.map((t) => (t.keyboard_shortcut || '').toLowerCase()).filter(Boolean));
  const free = '123456789'.split('').filter((key) => !taken.has(key));
  const keys = new Map();
  for (const type of types) {
    const own = (type.keyboard_shortcut || '').toLowerCase();
    const key = own || free.shift();
    if (key) keys.set(type.id, key);
  }
  return keys;
}

function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

export class Palette {
  constructor(container, types, { canDraw }) {
    this.types = types.filter((t) => t.vector_type !== 8 && t.active !== false);
    this.keys = shortcuts(this.types);
    this.buttons = new Map();
    this.onPick = () => {};
    this.onSelectTool = () => {};
    const list = element('div', { class: 'palette-tools', role: 'toolbar', 'aria-label': 'Tools' });
    this.selectButton = element('button', { type: 'button', class: 'tool', 'data-tool': 'select', title: 'Select and edit (Esc)' }, 'Select');
    this.selectButton.addEventListener('click', () => this.onSelectTool());
    list.append(this.selectButton);
    for (const type of this.types) {
      const key = this.keys.get(type.id);
      const button = element('button', {
        type: 'button',
        class: 'tool',
        'data-type-id': String(type.id),
        title: `${type.name}: ${SHAPES[type.vector_type] || 'shape'}${key ? ` (${key})` : ''}`,
      });
      const swatch = element('span', { class: 'swatch', style: `background:${type.color_code}` });
      button.append(swatch, element('span', { class: 'tool-name' }, type.name));
      if (key) button.append(element('kbd', {}, key));
      button.disabled = !canDraw;
      button.addEventListener('click', () => this.onPick(type));
      this.buttons.set(type.id, button);
      list.append(button);
    }
    if (!this.types.length) list.append(element('p', { class: 'empty' }, 'This set has no annotation types: add a product to the set.'));
    container.append(list);
  }

  /** The type whose shortcut is `key`, or undefined. */
  typeForKey(key) {
    const wanted = key.toLowerCase();
    return this.types.find((t) => this.keys.get(t.id) === wanted);
  }

  /** Mark the active tool: a type, or null for select. */
  setActive(type) {
    this.selectButton.classList.toggle('active', !type);
    for (const [id, button] of this.buttons) button.classList.toggle('active', Boolean(type) && type.id === id);
  }
}

/**
 * Side panels of the viewer: the frame slider (z-stacks, time series), channel controls
 * (visibility, colour, window → tile URL parameters), the score threshold of model-generated
 * annotations, and previous/next image links.
 */

/** The tile query for a frame (0-based on the tile routes) and channel displays. */
export function tileQuery(frame, channels) {
  const params = new URLSearchParams();
  if (frame !== null && frame !== undefined) params.set('frame', String(frame));
  channels.forEach((channel, index) => {
    const colour = channel.color.replace('#', '');
    const [low, high] = channel.window;
    params.set(`c${index}`, `${low}:${high}:${colour}:${channel.visible ? 1 : 0}`);
  });
  return params.toString();
}

function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function labelled(text, input) {
  const label = element('label', { class: 'panel-row' });
  label.append(element('span', {}, text), input);
  return label;
}

/** Frame slider; calls onFrame(frame, 1-based) when it moves. Nothing for single frames. */
export function framePanel(container, { frames, initial, onFrame }) {
  if (frames <= 1) return null;
  const slider = element('input', { type: 'range', min: '1', max: String(frames), step: '1', 'data-role': 'frame' });
  slider.value = String(initial);
  const shown = element('output', {}, `${initial} / ${frames}`);
  slider.addEventListener('input', () => {
    shown.textContent = `${slider.value} / ${frames}`;
    onFrame(Number(slider.value));
  });
  container.append(element('h2', {}, 'Frame'), labelled('Frame', slider), shown);
  return slider;
}

/** Channel controls; onChange(channels) after each edit. Nothing for RGB images. */
export function channelPanel(container, { channels, onChange }) {
  if (!channels.length) return null;
  const state = channels.map((c) => ({ ...c, visible: true, window: [...c.window] }));
  container.append(element('h2', {}, 'Channels'));
  state.forEach((channel, index) => {
    const box = element('fieldset', { class: 'channel', 'data-channel': String(index) });
    box.append(element('legend', {}, channel.name));
    const visible = element('input', { type: 'checkbox' });
    visible.checked = true;
    const colour = element('input', { type: 'color', value: channel.color });
    const [low, high] = channel.range;
    const step = high - low > 255 ? '1' : String((high - low) / 255 || 1);
    const min = element('input', { type: 'range', min: String(low), max: String(high), step });
    const max = element('input', { type: 'range', min: String(low), max: String(high), step });
    min.value = String(channel.window[0]);
    max.value = String(channel.window[1]);
    const update = () => {
      channel.visible = visible.checked;
      channel.color = colour.value;
      // The server refuses an empty window: keep max above min.
      const a = Number(min.value);
      const b = Math.max(Number(max.value), a + Number(step));
      channel.window = [a, b];
      onChange(state);
    };
    for (const input of [visible, colour]) input.addEventListener('change', update);
    for (const input of [min, max]) input.addEventListener('change', update);
    box.append(labelled('Show', visible), labelled('Colour', colour), labelled('Min', min), labelled('Max', max));
    container.append(box);
  });
  return state;
}

/** Score threshold for model-generated annotations; onChange(threshold in 0..1). */
export function thresholdPanel(container, { onChange }) {
  const slider = element('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '0', 'data-role': 'threshold' });
  const shown = element('output', {}, '0.00');
  slider.addEventListener('input', () => {
    shown.textContent = Number(slider.value).toFixed(2);
    onChange(Number(slider.value));
  });
  container.append(element('h2', {}, 'Model output'), labelled('Min. score', slider), shown);
  return slider;
}

/** Links to the previous and next image of the set ([ and ] on the keyboard), preloaded. */
export function neighbourLinks(container, neighbours) {
  const nav = element('nav', { class: 'image-nav', 'aria-label': 'Images of the set' });
  for (const [key, text, shortcut] of [['previous', '← Previous', '['], ['next', 'Next →', ']']]) {
    const url = neighbours[key];
    const link = element(url ? 'a' : 'span', url ? { href: url, 'data-role': key, title: `${text} (${shortcut})` } : { class: 'disabled' }, text);
    nav.append(link);
    if (url) {
      // The next page's HTML is fetched while the user works here: opening it is instant.
      const hint = element('link', { rel: 'prefetch', href: url });
      document.head.append(hint);
    }
  }
  container.append(nav);
  document.addEventListener('keydown', (event) => {
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(event.target.tagName)) return;
    const url = event.key === '[' ? neighbours.previous : event.key === ']' ? neighbours.next : null;
    if (url) window.location.assign(url);
  });
}

/**
 * Screening mode in the viewer: the panel (tile size, start/stop, progress), the grid layer on
 * the map and on the overview, zooming to the current tile, and the keys. The logic lives in
 * screening.js, the server in screening_sync.js; this module is the glue to the DOM and map.
 *
 * Whether screening was on is remembered per user and image in localStorage, so a reload
 * goes on where the user was; the progress itself is the server's.
 */

import OverviewMap from 'ol/control/OverviewMap.js';
import ImageLayer from 'ol/layer/Image.js';

import { DEFAULT_TILE_SIZE, MOVE_KEYS, Screening, createGrid, progressText, tileSizeProblem } from './screening.js';
import { screeningLayer } from './screening_layer.js';
import { ScreeningSync } from './screening_sync.js';
import { imageExtent } from './tilesource.js';
import './screening.css';

/** The key that switches screening on and off: EXACT's "^" (Backquote on US keyboards). */
export const TOGGLE_CODE = 'Backquote';

function remembered(key) {
  try {
    return window.localStorage.getItem(key) === 'on';
  } catch {
    return false; // storage switched off: screening just does not resume by itself
  }
}

function remember(key, on) {
  try {
    if (on) window.localStorage.setItem(key, 'on');
    else window.localStorage.removeItem(key);
  } catch {
    // as above
  }
}

/** Also draw the grid on the overview map, the way EXACT draws it on its thumbnail. */
function addToOverview(map, source, extent) {
  const overview = map.getControls().getArray().find((control) => control instanceof OverviewMap);
  if (!overview) return null;
  const layer = new ImageLayer({ source, extent, zIndex: 4, visible: false });
  overview.getOverviewMap().addLayer(layer);
  return layer;
}

/**
 * Wire screening mode into the viewer. `container` holds the panel's [data-role=screening-*]
 * elements. Returns the controller keys.js asks first (`handleKey`) and tests read, or null
 * without a panel.
 */
export function setupScreening({ map, config, api, container, notify, autoResume = true }) {
  if (!container) return null; // a page without the panel
  const { id: imageId, width, height } = config.image;
  const $ = (role) => container.querySelector(`[data-role=screening-${role}]`);
  const ui = { width: $('width'), height: $('height'), toggle: $('toggle'), bar: $('bar'), text: $('progress') };
  const storageKey = `lamella.screening.${config.user.id}.${imageId}`;
  const sync = new ScreeningSync({
    api,
    imageId,
    userId: config.user.id,
    onError: (error) => notify(`Screening progress not saved yet: ${error.detail || error.message}`),
  });
  const extent = imageExtent(width, height);
  let state = null;
  let active = false;
  let busy = false;
  const { layer, source } = screeningLayer(() => state, extent);
  map.addLayer(layer);
  const overviewLayer = addToOverview(map, source, extent);

  function show() {
    const progress = state ? state.progress() : null;
    ui.text.textContent = progress ? progressText(progress) : 'Not started on this image.';
    ui.bar.value = progress ? progress.percent : 0;
    ui.toggle.textContent = active ? 'Stop screening' : state ? 'Resume screening' : 'Start screening';
    ui.toggle.classList.toggle('active', active);
    container.dataset.active = String(active);
    for (const shown of [layer, overviewLayer]) shown?.setVisible(active);
    source.changed();
  }

  function focusTile() {
    const box = state && state.viewBox();
    if (!box) return;
    // Keys come faster than 150 ms animations: a fit started while another runs would share
    // the view with it and settle wherever the constraints left the two.
    const view = map.getView();
    view.cancelAnimations();
    view.fit([box[0], -box[3], box[2], -box[1]], { duration: 150 });
  }

  async function start() {
    const tileWidth = Number(ui.width.value);
    const tileHeight = Number(ui.height.value);
    const problem = tileSizeProblem(tileWidth, tileHeight, width, height);
    if (problem) {
      notify(problem);
      return;
    }
    const resized = !state || !state.total || state.row.x_resolution !== tileWidth || state.row.y_resolution !== tileHeight;
    if (resized) {
      if (state && state.screened && !window.confirm('A new tile size starts screening over: the progress so far is lost. Go on?')) return;
      const grid = createGrid(tileWidth, tileHeight, width, height);
      grid.screening_tiles[0].Screened = true; // the first tile is on screen from now on
      ui.text.textContent = `Laying out ${grid.x_steps * grid.y_steps} tiles…`;
      state = new Screening(await sync.start(grid));
    }
    active = true;
    remember(storageKey, true);
    show();
    focusTile();
  }

  function stop() {
    active = false;
    remember(storageKey, false);
    show();
  }

  async function toggle() {
    if (busy) return;
    busy = true;
    try {
      if (active) stop();
      else await start();
    } catch (error) {
      notify(`Could not start screening: ${error.detail || error.message}`);
      show();
    } finally {
      busy = false;
    }
  }

  /** Handle a key press if it is screening's; true when it was (keys.js then stops there). */
  function handleKey(event) {
    if (event.code === TOGGLE_CODE) {
      toggle();
      return true;
    }
    const move = active && MOVE_KEYS[event.key.toLowerCase()];
    if (!move) return false;
    if (event.repeat) return true; // holding a key must not race over tiles unseen
    sync.save(state.move(...move));
    show();
    focusTile();
    return true;
  }

  ui.toggle.addEventListener('click', () => toggle());
  ui.width.value = ui.height.value = String(DEFAULT_TILE_SIZE);
  show();
  const ready = sync
    .load()
    .then(async (row) => {
      if (row) {
        state = new Screening(row);
        if (row.x_resolution > 0) ui.width.value = String(row.x_resolution);
        if (row.y_resolution > 0) ui.height.value = String(row.y_resolution);
        show();
      }
      if (row && autoResume && remembered(storageKey) && !active) await toggle();
    })
    .catch((error) => notify(`Could not load screening progress: ${error.detail || error.message}`));

  return {
    handleKey,
    toggle,
    ready,
    get active() {
      return active;
    },
    get state() {
      return state;
    },
    get pending() {
      return sync.pending;
    },
  };
}

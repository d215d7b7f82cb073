/**
 * The viewer page: reads its configuration from the JSON script tag #viewer-config and wires
 * the slide, the annotation layer, tools, list and controls together.
 */

import Map from 'ol/Map.js';
import View from 'ol/View.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import VectorLayer from 'ol/layer/Vector.js';
import WebGLVectorLayer from 'ol/layer/WebGLVector.js';
import Projection from 'ol/proj/Projection.js';

import { createApi } from './api.js';
import { addControls } from './controls.js';
import { Drawing } from './draw.js';
import { Editing } from './edit.js';
import { History } from './history.js';
import { LevelOfDetail } from './levels.js';
import { preferredRenderer } from './lod.js';
import { AnnotationList } from './list.js';
import { Palette } from './palette.js';
import { AnnotationStore } from './store.js';
import { annotationStyle } from './style.js';
import { Details } from './details.js';
import { LiveFeed, snapshotOfChange } from './live.js';
import { channelPanel, framePanel, neighbourLinks, thresholdPanel, tileQuery } from './panels.js';
import { dziLayer, imageExtent, loadDzi, setTileQuery } from './tilesource.js';
import { bindKeys } from './keys.js';
import { setupScreening } from './screening_panel.js';
import 'ol/ol.css';
import './viewer.css';

/** The name of the WebGL renderer ("ANGLE (..., SwiftShader driver)"...), or null without WebGL. */
function webglName() {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    const lose = gl.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();
    return name;
  } catch {
    return null;
  }
}

function annotationLayer(store, types, renderer) {
  const options = { source: store.source, style: annotationStyle(types), zIndex: 5 };
  return renderer === 'webgl' ? new WebGLVectorLayer(options) : new VectorLayer(options);
}

async function createViewer(root, config) {
  const $ = (selector) => root.querySelector(selector);
  const notify = (text) => {
    $('[data-role=message]').textContent = text;
  };
  const { width, height, mpp } = config.image;
  const extent = imageExtent(width, height);
  const projection = new Projection({
    code: 'lamella-image',
    units: 'pixels',
    extent,
    metersPerUnit: mpp > 0 ? mpp * 1e-6 : undefined,
    getPointResolution: (resolution) => resolution,
  });
  const api = createApi({ csrfToken: config.csrf_token, cookie: () => document.cookie });
  const store = new AnnotationStore({ api, config, notify });
  let tileLayer = null;
  let info = null;
  const { frames } = config.image;
  store.frame = frames > 1 ? Math.min(Math.max((config.image.default_frame || 0) + 1, 1), frames) : 1;
  try {
    info = await loadDzi(config.dzi_url);
    tileLayer = dziLayer(info, config.dzi_url);
  } catch (error) {
    // A slide still converting (or a tiles service not up) still gets a canvas to annotate on.
    notify(`No tiles for this image yet (${error.message}); annotations still work.`);
  }
  const requested = new URLSearchParams(window.location.search).get('renderer');
  const renderer = requested || preferredRenderer(webglName());
  const layer = annotationLayer(store, config.annotation_types, renderer);
  const map = new Map({
    target: $('[data-role=map]'),
    layers: tileLayer ? [tileLayer, layer] : [layer],
    controls: defaultControls({ attribution: false, rotate: false }),
    view: new View({ projection, extent, constrainOnlyCenter: true, minResolution: 0.125, maxResolution: Math.max(width, height) / 64 }),
  });
  map.getView().fit(extent, { padding: [10, 10, 10, 10] });
  // ?annotations=off: the slide alone (benchmarks/viewer.py's baseline).
  const annotationsOn = new URLSearchParams(window.location.search).get('annotations') !== 'off';
  layer.setVisible(annotationsOn);
  const lod = annotationsOn ? new LevelOfDetail({ map, store, layer, api, config, notify }) : null;
  addControls({
    map,
    config,
    tileLayer,
    projection,
    status: { zoom: $('[data-role=zoom]'), position: $('[data-role=position]') },
  });

  const history = new History();
  const canDraw = config.permissions.includes('annotate');
  const drawing = new Drawing({ map, store, config });
  const editing = new Editing({ map, layer, store, history, config });
  drawing.onCreate = (snapshot) => history.push({ before: [{ ...snapshot, deleted: true }], after: [snapshot] });
  const palette = new Palette($('[data-role=palette]'), config.annotation_types, { canDraw });
  const list = new AnnotationList($('[data-role=list]'), store, config);

  const tools = {
    select() {
      drawing.stop();
      editing.setActive(true);
      palette.setActive(null);
    },
    pick(type) {
      if (!canDraw) return;
      editing.setActive(false);
      drawing.start(type);
      palette.setActive(drawing.active ? type : null);
      if (!drawing.active) editing.setActive(true);
    },
    restore(snapshots) {
      if (snapshots) snapshots.forEach((snapshot) => store.apply(snapshot));
    },
  };
  palette.onPick = tools.pick;
  palette.onSelectTool = tools.select;
  $('[data-role=undo]').addEventListener('click', () => tools.restore(history.undo()));
  $('[data-role=redo]').addEventListener('click', () => tools.restore(history.redo()));
  $('[data-role=freehand]').addEventListener('change', (event) => {
    drawing.freehand = event.target.checked;
    drawing.restart();
  });
  const details = new Details($('[data-role=details]'), {
    store,
    history,
    canEdit: config.permissions.includes('edit_annotation'),
    notify,
  });
  editing.onSelect = (features) => {
    $('[data-role=selection]').textContent = features.length ? `${features.length} selected` : '';
    details.show(features.map((f) => f.get('uuid')));
  };
  store.onConflict = (mine, theirs) => {
    // Theirs is shown; Undo brings back ours (and saves it on top of theirs).
    if (theirs) history.push({ before: [mine], after: [theirs] });
    notify('Someone else changed this annotation meanwhile: their version is shown. Undo restores yours.');
  };

  // Frames and channels change the tiles' query; frames also which annotations show.
  const panels = $('[data-role=panels]');
  let channels = [];
  const retile = () => {
    if (!tileLayer || !info) return;
    const frame = frames > 1 ? store.frame - 1 : null;
    setTileQuery(tileLayer, info, config.dzi_url, tileQuery(frame, channels));
  };
  framePanel(panels, { frames, initial: store.frame, onFrame: (frame) => { store.setFrame(frame); retile(); } });
  channels = channelPanel(panels, { channels: config.image.channels || [], onChange: (state) => { channels = state; retile(); } }) || [];
  if (frames > 1 || channels.length) retile();
  thresholdPanel(panels, { onChange: (threshold) => layer.setStyle(annotationStyle(config.annotation_types, { threshold })) });
  neighbourLinks($('[data-role=neighbours]'), config.neighbours || {});

  // Live co-annotation: others' changes appear without a reload.
  const live = new LiveFeed({
    imageId: config.image.id,
    api,
    since: config.server_time,
    onChange: (annotation) => store.receiveRemote(snapshotOfChange(annotation)),
  });
  live.start();
  list.onFocus = (snapshot) => {
    const feature = store.featureOf(snapshot.unique_identifier);
    if (!feature) return;
    tools.select();
    map.getView().fit(feature.getGeometry().getExtent(), { padding: [80, 80, 80, 80], maxZoom: map.getView().getZoomForResolution(1), duration: 200 });
    editing.selectUuid(snapshot.unique_identifier);
  };
  // ?focus=<uuid> (from the verification view): zoom to that annotation once it is loaded.
  const focus = new URLSearchParams(window.location.search).get('focus');
  if (focus) {
    const tryFocus = () => {
      const snapshot = store.snapshotOf(focus);
      if (!snapshot || !store.featureOf(focus)) return;
      store.listeners.delete(tryFocus);
      list.onFocus(snapshot);
    };
    store.onChange(tryFocus);
    store.loadUuid(focus).catch((error) => notify(`Could not load the annotation: ${error.detail || error.message}`));
  }
  const screening = setupScreening({ map, config, api, container: $('[data-role=screening]'), notify, autoResume: !focus });
  bindKeys({ palette, drawing, editing, history, tools, screening });
  tools.select();
  store.loadGlobals().catch((error) => notify(`Could not load labels: ${error.detail || error.message}`));

  // For tests and benchmarks: the live objects, and whether every change has been saved.
  window.lamellaViewer = { map, store, history, drawing, editing, renderer, live, screening, lod, get pending() { return store.pending; } };
  root.dataset.ready = 'true';
}

const root = document.getElementById('viewer');
if (root) {
  const config = JSON.parse(document.getElementById('viewer-config').textContent);
  createViewer(root, config);
}

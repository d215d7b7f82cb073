/**
 * The annotations of one image: the shapes of a box fetched through the columnar stream
 * (the level-of-detail controller in levels.js says which box and when), deduplicated by
 * unique identifier, the far ones forgotten again, and every change saved at once.
 *
 * A change is a snapshot {id?, unique_identifier, annotation_type, vector, deleted}. It is shown
 * first and saved second; saves of one annotation are chained so they reach the server in order.
 */

import VectorSource from 'ol/source/Vector.js';

import { query } from './api.js';
import { featureFor, isGlobal } from './features.js';
import { boxParam, meets, rowsOfColumns } from './lod.js';

const FIELDS =
  'id,vector,annotation_type,unique_identifier,deleted,generated,score,user,last_edit_time,' +
  'description,meta_data,concealed,blurred,verified_by_user';
// What the viewer may change besides the geometry; sent with every save when present.
const EDITABLE = ['description', 'meta_data', 'concealed', 'blurred'];
const PAGE = 1000;
const MAX_PAGES = 20;
const STREAM = '/api/v1/annotations/annotations/stream/';

/** Image-pixel box "x1,y1,x2,y2" of a map extent, clipped to the image. */
export function viewportBox(extent, width, height) {
  const clip = (v, max) => Math.round(Math.min(Math.max(v, 0), max));
  return [clip(extent[0], width), clip(-extent[3], height), clip(extent[2], width), clip(-extent[1], height)].join(',');
}

export class AnnotationStore {
  constructor({ api, config, notify }) {
    this.api = api;
    this.config = config;
    this.notify = notify;
    this.types = new Map(config.annotation_types.map((t) => [t.id, t]));
    this.byUuid = new Map(); // uuid -> {snapshot, feature}
    this.globals = new Map(); // uuid -> snapshot of whole-image labels
    this.chains = new Map();
    this.pending = 0;
    this.pendingByUuid = new Map();
    this.onConflict = () => {};
    this.listeners = new Set();
    this.frame = 1;
    this.source = new VectorSource();
    // Set by the level-of-detail controller: fetch what the view needs again.
    this.onReload = () => {};
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  /** The live annotations whose bbox meets `box` (image px), as snapshots: not shown yet. */
  async fetchBox(box) {
    const { id } = this.config.image;
    const params = { image: id, in_bbox: boxParam(box), frame: this.frame, deleted: 'false' };
    const url = `${STREAM}${query({ ...params, format: 'columnar', fields: FIELDS })}`;
    return rowsOfColumns(await this.api.request('GET', url));
  }

  /** Show one annotation wherever it lies (?focus= may point into a view drawn as density). */
  async loadUuid(uuid) {
    const { id } = this.config.image;
    const url = this.api.annotationsUrl({ image: id, unique_identifier: uuid, deleted: 'false', fields: FIELDS });
    this.receive(await this.api.listAll(url, 1));
  }

  /**
   * Forget the shapes that do not meet `box` (all of them for null), except those being
   * saved or edited: what the annotation layer draws, and redraws after every settle,
   * stays bounded. Returns how many were forgotten.
   */
  prune(box) {
    const gone = [];
    for (const [uuid, { feature }] of this.byUuid) {
      if (this.pendingByUuid.has(uuid) || feature.get('editing')) continue;
      const geometry = feature.getGeometry();
      if (box && geometry) {
        const [x1, y1, x2, y2] = geometry.getExtent();
        if (meets(box, [x1, -y2, x2, -y1])) continue;
      }
      this.byUuid.delete(uuid);
      if (this.source.hasFeature(feature)) gone.push(feature);
    }
    if (gone.length) this.source.removeFeatures(gone);
    if (gone.length) this.changed();
    return gone.length;
  }

  /** Show another frame: forget what is loaded and load that frame's annotations. */
  setFrame(frame) {
    if (frame === this.frame) return;
    this.frame = frame;
    this.byUuid.clear();
    this.source.clear(true);
    this.changed();
    this.onReload();
  }

  /** Whole-image labels have no place, so no viewport finds them: fetch them once. */
  async loadGlobals() {
    const ids = [...this.types.values()].filter(isGlobal).map((t) => t.id);
    if (!ids.length) return;
    const url = this.api.annotationsUrl({
      image: this.config.image.id,
      annotation_type__in: ids.join(','),
      deleted: 'false',
      limit: PAGE,
      fields: FIELDS,
    });
    for (const snapshot of await this.api.listAll(url, MAX_PAGES)) {
      this.globals.set(snapshot.unique_identifier, snapshot);
    }
    this.changed();
  }

  /** Features for the annotations not seen yet, added to the source. */
  receive(results) {
    const added = [];
    for (const snapshot of results) {
      const type = this.types.get(snapshot.annotation_type);
      if (!type || snapshot.deleted || this.byUuid.has(snapshot.unique_identifier)) continue;
      if (isGlobal(type)) {
        this.globals.set(snapshot.unique_identifier, snapshot);
        continue;
      }
      const feature = featureFor(snapshot, type);
      if (!feature.getGeometry()) continue;
      this.byUuid.set(snapshot.unique_identifier, { snapshot, feature });
      added.push(feature);
    }
    if (added.length) this.source.addFeatures(added);
    this.changed();
    return added;
  }

  snapshotOf(uuid) {
    const entry = this.byUuid.get(uuid);
    if (entry) return { ...entry.snapshot };
    const label = this.globals.get(uuid);
    return label ? { ...label } : null;
  }

  featureOf(uuid) {
    const entry = this.byUuid.get(uuid);
    return entry ? entry.feature : null;
  }

  /** Show a snapshot (create, change, delete or restore) and save it. */
  apply(snapshot) {
    const type = this.types.get(snapshot.annotation_type);
    const uuid = snapshot.unique_identifier;
    const known = this.snapshotOf(uuid);
    // The version this change is made on is the one shown now, even for an undo of an old one.
    const merged = {
      ...snapshot,
      id: snapshot.id || (known && known.id) || undefined,
      last_edit_time: known ? known.last_edit_time : snapshot.last_edit_time,
    };
    if (isGlobal(type)) {
      if (merged.deleted) this.globals.delete(uuid);
      else this.globals.set(uuid, merged);
    } else {
      const entry = this.byUuid.get(uuid);
      const feature = featureFor(merged, type, entry ? entry.feature : null);
      this.byUuid.set(uuid, { snapshot: merged, feature });
      const shown = this.source.hasFeature(feature);
      if (merged.deleted && shown) this.source.removeFeature(feature);
      if (!merged.deleted && !shown && !feature.get('editing')) this.source.addFeature(feature);
    }
    this.changed();
    return this.save(merged);
  }

  save(snapshot) {
    const uuid = snapshot.unique_identifier;
    this.pending += 1;
    this.pendingByUuid.set(uuid, (this.pendingByUuid.get(uuid) || 0) + 1);
    const previous = this.chains.get(uuid) || Promise.resolve();
    const next = previous
      .then(() => this.send(snapshot))
      .catch((error) => this.failed(snapshot, error))
      .finally(() => {
        this.pending -= 1;
        const left = this.pendingByUuid.get(uuid) - 1;
        if (left > 0) this.pendingByUuid.set(uuid, left);
        else this.pendingByUuid.delete(uuid);
        this.changed();
      });
    this.chains.set(uuid, next);
    return next;
  }

  async send(snapshot) {
    const uuid = snapshot.unique_identifier;
    const known = this.snapshotOf(uuid) || {};
    const id = known.id || snapshot.id;
    const body = {
      annotation_type: snapshot.annotation_type,
      vector: snapshot.vector,
      deleted: Boolean(snapshot.deleted),
    };
    for (const field of EDITABLE) if (field in snapshot) body[field] = snapshot[field];
    // The server answers 409 when someone else saved after the version this change was made on.
    if (id && known.last_edit_time) body.expected_last_edit_time = known.last_edit_time;
    const saved = id
      ? await this.api.patchAnnotation(id, body)
      : await this.api.saveAnnotation({ ...body, image: this.config.image.id, unique_identifier: uuid });
    this.remember(uuid, saved);
  }

  failed(snapshot, error) {
    if (error.status === 409 && error.body && error.body.current) {
      // Show theirs, keep ours one Undo away: nothing is lost, nothing is overwritten silently.
      const theirs = this.receiveRemote(error.body.current, { force: true });
      this.onConflict(snapshot, theirs);
      return;
    }
    this.notify(`Not saved: ${error.detail || error.message}`);
  }

  remember(uuid, saved) {
    const update = { id: saved.id, last_edit_time: saved.last_edit_time, user: saved.user };
    const entry = this.byUuid.get(uuid);
    if (entry) {
      entry.snapshot = { ...entry.snapshot, ...update };
      entry.feature.setId(saved.id);
    } else if (this.globals.has(uuid)) {
      this.globals.set(uuid, { ...this.globals.get(uuid), ...update });
    }
  }

  uuidOfId(id) {
    for (const [uuid, entry] of this.byUuid) if (entry.snapshot.id === id) return uuid;
    for (const [uuid, label] of this.globals) if (label.id === id) return uuid;
    return null;
  }

  /**
   * Show a change made by someone else (live event, poll or conflict) without saving it.
   * Ignored while this viewer has its own save of that annotation in flight, or when what is
   * shown is as new; `force` applies it regardless. Returns the snapshot shown, or null.
   */
  receiveRemote(annotation, { force = false } = {}) {
    const uuid = annotation.unique_identifier || this.uuidOfId(annotation.id);
    const type = this.types.get(annotation.annotation_type);
    if (!uuid || !type) return null;
    const known = this.snapshotOf(uuid);
    if (!force && this.pendingByUuid.has(uuid)) return null;
    if (!force && known && known.last_edit_time && annotation.last_edit_time <= known.last_edit_time) return null;
    const offFrame = !type.multi_frame && annotation.frame && this.config.image.frames > 1 && annotation.frame !== this.frame;
    const snapshot = { ...(known || {}), ...annotation, unique_identifier: uuid, deleted: Boolean(annotation.deleted) };
    if (isGlobal(type)) {
      if (snapshot.deleted) this.globals.delete(uuid);
      else this.globals.set(uuid, snapshot);
    } else {
      const entry = this.byUuid.get(uuid);
      if (!entry && (snapshot.deleted || offFrame)) return snapshot;
      const feature = featureFor(snapshot, type, entry ? entry.feature : null);
      this.byUuid.set(uuid, { snapshot, feature });
      const shown = this.source.hasFeature(feature);
      const hide = snapshot.deleted || offFrame || !feature.getGeometry();
      if (hide && shown) this.source.removeFeature(feature);
      if (!hide && !shown && !feature.get('editing')) this.source.addFeature(feature);
    }
    this.changed();
    return snapshot;
  }

  /** Annotations on screen and whole-image labels, for the list. */
  visible() {
    const rows = [...this.globals.values()];
    for (const { snapshot } of this.byUuid.values()) if (!snapshot.deleted) rows.push(snapshot);
    return rows;
  }
}

/**
 * Editing: click to select (Shift-click adds), drag inside to move, drag a vertex to reshape,
 * Delete to delete. Selected annotations leave the WebGL layer for a canvas editing layer, so
 * that a drag redraws one feature instead of re-uploading every annotation to the GPU.
 */

import Collection from 'ol/Collection.js';
import Modify from 'ol/interaction/Modify.js';
import Select from 'ol/interaction/Select.js';
import Translate from 'ol/interaction/Translate.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';

import { vectorOfFeature } from './features.js';
import { selectedStyle } from './style.js';

export class Editing {
  constructor({ map, layer, store, history, config }) {
    this.map = map;
    this.store = store;
    this.history = history;
    this.config = config;
    this.source = new VectorSource();
    this.layer = new VectorLayer({ source: this.source, style: selectedStyle(config.annotation_types), zIndex: 10 });
    map.addLayer(this.layer);
    this.selected = new Collection();
    this.select = new Select({ layers: [layer, this.layer], features: this.selected, style: null, hitTolerance: 4 });
    this.translate = new Translate({ features: this.selected });
    this.modify = new Modify({ features: this.selected });
    this.before = [];
    this.selected.on('add', (event) => this.lift(event.element));
    this.selected.on('remove', (event) => this.drop(event.element));
    for (const interaction of [this.translate, this.modify]) {
      interaction.on(interaction === this.modify ? 'modifystart' : 'translatestart', () => this.begin());
      interaction.on(interaction === this.modify ? 'modifyend' : 'translateend', () => this.end());
    }
    this.canEdit = config.permissions.includes('edit_annotation');
    this.canDelete = config.permissions.includes('delete_annotation');
    this.onSelect = () => {};
    this.setActive(true);
  }

  setActive(active) {
    const interactions = this.canEdit ? [this.select, this.translate, this.modify] : [this.select];
    for (const interaction of [this.select, this.translate, this.modify]) {
      const wanted = active && interactions.includes(interaction);
      const present = this.map.getInteractions().getArray().includes(interaction);
      if (wanted && !present) this.map.addInteraction(interaction);
      if (!wanted && present) this.map.removeInteraction(interaction);
    }
    if (!active) this.selected.clear();
  }

  lift(feature) {
    feature.set('editing', true);
    if (this.store.source.hasFeature(feature)) this.store.source.removeFeature(feature);
    this.source.addFeature(feature);
    this.onSelect([...this.selected.getArray()]);
  }

  drop(feature) {
    feature.set('editing', false);
    if (this.source.hasFeature(feature)) this.source.removeFeature(feature);
    const snapshot = this.store.snapshotOf(feature.get('uuid'));
    if (snapshot && !snapshot.deleted) this.store.source.addFeature(feature);
    this.onSelect([...this.selected.getArray()]);
  }

  /** Select one annotation by its unique identifier (from the list). */
  selectUuid(uuid) {
    const feature = this.store.featureOf(uuid);
    this.selected.clear();
    if (feature) this.selected.push(feature);
  }

  begin() {
    this.before = this.selected.getArray().map((f) => this.store.snapshotOf(f.get('uuid')));
  }

  end() {
    const { width, height, frames } = this.config.image;
    const after = this.selected.getArray().map((feature) => {
      const snapshot = this.store.snapshotOf(feature.get('uuid'));
      const type = this.store.types.get(snapshot.annotation_type);
      const frame = frames > 1 ? this.store.frame : null;
      return { ...snapshot, vector: vectorOfFeature(feature, type, { frame, width, height }) };
    });
    this.history.push({ before: this.before, after });
    after.forEach((snapshot) => this.store.apply(snapshot));
  }

  /** Delete the selected annotations (soft delete, as EXACT's viewer does). */
  deleteSelected() {
    if (!this.canDelete || !this.selected.getLength()) return;
    const before = this.selected.getArray().map((f) => this.store.snapshotOf(f.get('uuid')));
    const after = before.map((snapshot) => ({ ...snapshot, deleted: true }));
    this.selected.clear();
    this.history.push({ before, after });
    after.forEach((snapshot) => this.store.apply(snapshot));
  }
}

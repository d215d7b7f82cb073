/** OpenLayers features for annotations: shapes <-> geometries, and snapshots for saving. */

import Feature from 'ol/Feature.js';
import LineString from 'ol/geom/LineString.js';
import Point from 'ol/geom/Point.js';
import Polygon from 'ol/geom/Polygon.js';

import { VectorType, shapeToVector, vectorToShape } from './annotations.js';

/** An OpenLayers geometry for a shape. */
export function shapeToGeometry(shape) {
  if (shape.kind === 'Point') return new Point(shape.coordinates);
  if (shape.kind === 'LineString') return new LineString(shape.coordinates);
  return new Polygon([shape.coordinates]);
}

/** The shape of an OpenLayers geometry; `radius` is kept for points (circles). */
export function geometryToShape(geometry, radius = 0) {
  const kind = geometry.getType();
  if (kind === 'Point') return { kind, coordinates: geometry.getCoordinates(), radius };
  if (kind === 'LineString') return { kind, coordinates: geometry.getCoordinates() };
  if (kind === 'Polygon') return { kind, coordinates: geometry.getCoordinates()[0] };
  if (kind === 'Circle') {
    return { kind: 'Point', coordinates: geometry.getCenter(), radius: geometry.getRadius() };
  }
  throw new Error(`unexpected geometry ${kind}`);
}

/** Put the geometry of `vector` on a feature (creating the feature when needed). */
export function featureFor(snapshot, type, feature = null) {
  const shape = vectorToShape(snapshot.vector, type.vector_type);
  const target = feature || new Feature();
  target.setGeometry(shape ? shapeToGeometry(shape) : undefined);
  target.setProperties({
    uuid: snapshot.unique_identifier,
    type: type.id,
    vectorType: type.vector_type,
    radius: shape && shape.radius ? shape.radius : 0,
    generated: snapshot.generated ? 1 : 0,
    // Drawn by people: always above any score threshold.
    score: snapshot.generated && typeof snapshot.score === 'number' ? snapshot.score : 1,
  });
  if (snapshot.id) target.setId(snapshot.id);
  return target;
}

/** What to save for a feature whose geometry the user has just changed. */
export function vectorOfFeature(feature, type, options) {
  const shape = geometryToShape(feature.getGeometry(), feature.get('radius'));
  return shapeToVector(shape, type.vector_type, {
    ...options,
    defaultWidth: type.default_width,
    defaultHeight: type.default_height,
  });
}

export function isGlobal(type) {
  return type.vector_type === VectorType.GLOBAL;
}

/** A random UUID4 (crypto.randomUUID needs a secure context; plain HTTP on a LAN is not one). */
export function newUuid() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function' && globalThis.isSecureContext) {
    return globalThis.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

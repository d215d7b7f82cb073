/** Flat styles shared by the WebGL and canvas layers: saved and selected annotations. */

/** [r, g, b, alpha] of a #rrggbb colour (an unreadable one is Lamella's red). */
export function rgba(hex, alpha) {
  const value = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  const n = value ? parseInt(value[1], 16) : 0xcc4444;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

function flat(color, width, fillAlpha) {
  const stroke = rgba(color, 1);
  const fill = rgba(color, fillAlpha);
  return {
    'stroke-color': stroke,
    'stroke-width': width,
    'fill-color': fill,
    // Points are circles of a size in image pixels, so their screen radius follows the zoom.
    'circle-radius': ['clamp', ['/', ['get', 'radius'], ['resolution']], 3, 100000],
    'circle-fill-color': fill,
    'circle-stroke-color': stroke,
    'circle-stroke-width': width,
  };
}

/** A colour per annotation type in one expression: ['match', type, id, colour, ..., default]. */
function byType(types, alpha) {
  const fallback = rgba('#cc4444', alpha);
  if (!types.length) return fallback;
  return ['match', ['get', 'type'], ...types.flatMap((type) => [type.id, rgba(type.color_code, alpha)]), fallback];
}

/**
 * The style of saved annotations: each type in its colour; model-generated ones dashed, and
 * hidden below the score threshold (people's annotations carry score 1, so they always show).
 *
 * Two rules, whatever the number of types: the WebGL layer draws every feature once per rule
 * (the filter is applied per vertex), so a rule per type multiplied the work by the types.
 */
export function annotationStyle(types, { threshold = 0 } = {}) {
  const style = (fillAlpha) => ({
    'stroke-color': byType(types, 1),
    'stroke-width': 2,
    'fill-color': byType(types, fillAlpha),
    // Points are circles of a size in image pixels, so their screen radius follows the zoom.
    'circle-radius': ['clamp', ['/', ['get', 'radius'], ['resolution']], 3, 100000],
    'circle-fill-color': byType(types, fillAlpha),
    'circle-stroke-color': byType(types, 1),
    'circle-stroke-width': 2,
  });
  return [
    { filter: ['==', ['get', 'generated'], 0], style: style(0.12) },
    {
      filter: ['all', ['==', ['get', 'generated'], 1], ['>=', ['get', 'score'], threshold]],
      style: { ...style(0.05), 'stroke-line-dash': [8, 6] },
    },
  ];
}

/** The style of selected annotations: thicker, brighter, on the canvas editing layer. */
export function selectedStyle(types) {
  return [
    ...types.map((type) => ({
      filter: ['==', ['get', 'type'], type.id],
      style: flat(type.color_code, 4, 0.3),
    })),
    { else: true, style: flat('#ffcc00', 4, 0.3) },
  ];
}

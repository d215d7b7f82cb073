/** Scale bar from mpp, overview map, zoom indicator and cursor position. */

import OverviewMap from 'ol/control/OverviewMap.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import View from 'ol/View.js';
import TileLayer from 'ol/layer/Tile.js';

/** "10.0×" from the objective power when known, else a percentage of full resolution. */
export function zoomLabel(resolution, objectivePower) {
  if (objectivePower > 1) return `${(objectivePower / resolution).toFixed(objectivePower / resolution < 1 ? 2 : 1)}×`;
  return `${Math.round(100 / resolution)}%`;
}

export function addControls({ map, config, tileLayer, projection, status }) {
  if (config.image.mpp > 0) map.addControl(new ScaleLine({ units: 'metric', bar: false, minWidth: 80 }));
  if (tileLayer) {
    const overview = new OverviewMap({
      layers: [new TileLayer({ source: tileLayer.getSource() })],
      collapsed: false,
      collapsible: true,
      view: new View({ projection }),
    });
    map.addControl(overview);
  }
  const view = map.getView();
  const showZoom = () => {
    status.zoom.textContent = zoomLabel(view.getResolution(), config.image.objectivePower);
  };
  view.on('change:resolution', showZoom);
  showZoom();
  map.on('pointermove', (event) => {
    const [x, y] = event.coordinate;
    const { width, height } = config.image;
    const inside = x >= 0 && -y >= 0 && x <= width && -y <= height;
    status.position.textContent = inside ? `x ${Math.round(x)}, y ${Math.round(-y)}` : '';
  });
}

// Bundles the viewer (our ES modules + OpenLayers) into src/lamella/web/static/dist/.
// `npm run build` builds once, minified; `npm run watch` rebuilds on change.
import * as esbuild from 'esbuild';

const options = {
  entryPoints: { viewer: 'src/lamella/web/viewer/main.js', verify: 'src/lamella/web/viewer/verify.js' },
  outdir: 'src/lamella/web/static/dist',
  bundle: true,
  format: 'esm',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'info',
};

if (process.argv.includes('--watch')) {
  const context = await esbuild.context({ ...options, minify: false });
  await context.watch();
} else {
  await esbuild.build(options);
}

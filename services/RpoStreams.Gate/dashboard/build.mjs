// Bundles the dashboard into ../wwwroot (served by the gate at /): app.js and app.css from src/main.js,
// plus index.html. Run by dashboard.targets before the gate's build; `npm run build` by hand.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'wwwroot');

// Start from an empty folder so a renamed or removed file does not linger in what the gate serves.
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

await build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outdir: out,
  legalComments: 'linked',
  loader: { '.woff2': 'file' },
  assetNames: 'fonts/[name]-[hash]',
  logLevel: 'warning',
});
await copyFile(join(here, 'src', 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'src', 'favicon.svg'), join(out, 'favicon.svg'));

console.log(`dashboard: built ${(await readdir(out, { recursive: true })).sort().join(', ')} into ${out}`);

/**
 * The dashboard: one self-contained HTML page (uPlot from npm inlined, no
 * CDN) that polls /stats.json every second. The page's own script is plain
 * browser JavaScript kept in the string below.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { RELEASES_SCRIPT, RELEASES_STYLE } from './dashboard-releases.js'
import { FLAGS_PANEL_SCRIPT } from './dashboard-flags.js'

let uplot: { js: string, css: string } | null = null

function uplotFiles(): { js: string, css: string } {
  if (uplot !== null) return uplot
  const require = createRequire(import.meta.url)
  uplot = {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }
  return uplot
}

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; } td, th { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) { text-align: left; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1em; }
.panel { border: 1px solid #ddd; border-radius: 6px; padding: .6em; }
.empty { color: #888; }
`

// Browser code: polls, keeps columns for uPlot, redraws; rebuilds a chart
// when the set of series changes.
const SCRIPT = `
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const state = { points: [], since: 0, charts: {} };
function fmt(v, d) { return v === undefined || v === null ? '' : Number(v).toFixed(d); }
function table(rows) {
  const body = document.querySelector('#routes tbody');
  body.innerHTML = '';
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of [r.route, r.arm, r.requests, fmt(r.rps, 1), fmt(r.p50, 3), fmt(r.p99, 3), fmt(r.p999, 3), r.errors]) {
      const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}
function threads(rows) {
  const body = document.querySelector('#threads tbody');
  body.innerHTML = '';
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of [r.threadId, r.openConnections, r.inFlight, fmt(r.loopDelayMs.p99, 2), fmt(r.heapUsedBytes / 1048576, 1)]) {
      const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}
function chart(id, title, names, columns) {
  const el = document.getElementById(id);
  const key = names.join('|');
  let c = state.charts[id];
  if (!c || c.key !== key) {
    if (c) c.plot.destroy();
    const series = [{}].concat(names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5 })));
    const plot = new uPlot({ title, width: el.clientWidth || 480, height: 220, series, scales: { x: { time: true } } }, columns, el);
    c = state.charts[id] = { key, plot };
  } else {
    c.plot.setData(columns);
  }
}
function draw() {
  const pts = state.points;
  const t = pts.map((p) => p.t / 1000);
  const keys = [...new Set(pts.flatMap((p) => Object.keys(p.routes)))].sort();
  chart('rps', 'requests per second', ['all'].concat(keys), [t, pts.map((p) => p.requests)].concat(keys.map((k) => pts.map((p) => p.routes[k] ? p.routes[k].requests : 0))));
  const lat = []; const latCols = [t];
  for (const k of keys) for (const q of ['p50', 'p99', 'p999']) { lat.push(k + ' ' + q); latCols.push(pts.map((p) => p.routes[k] && p.routes[k].requests > 0 ? p.routes[k][q] : null)); }
  chart('latency', 'latency (ms)', lat, latCols);
  chart('errors', 'errors and shed per second', ['5xx', 'shed'], [t, pts.map((p) => p.errors), pts.map((p) => p.shed)]);
  chart('cache', 'cache hit ratio', ['hit ratio'], [t, pts.map((p) => p.hits + p.misses > 0 ? p.hits / (p.hits + p.misses) : null)]);
}
async function poll() {
  try {
    const r = await fetch('stats.json?since=' + state.since, { credentials: 'same-origin', cache: 'no-store' });
    if (r.ok) {
      const s = await r.json();
      for (const p of s.series) state.points.push(p);
      if (state.points.length > 900) state.points.splice(0, state.points.length - 900);
      if (s.series.length > 0) state.since = s.series[s.series.length - 1].t;
      table(s.table);
      threads(s.snapshot.process.threads);
      document.getElementById('updated').textContent = new Date(s.snapshot.time).toLocaleTimeString() +
        ' · ' + s.snapshot.process.threads.length + ' thread(s) · ' + s.snapshot.process.openConnections + ' open connection(s) · RSS ' + (s.snapshot.process.memory.rssBytes / 1048576).toFixed(0) + ' MiB';
      draw();
      drawFlags(s.panels.experiments);
      document.body.dataset.ready = 'true';
    }
  } finally {
    setTimeout(poll, 1000);
  }
}
poll();
`

/** `panels.releases`: the release routes are mounted, so the page polls /releases (lib/telemetry/dashboard-releases.ts). */
export function dashboardPage(panels: { releases?: boolean } = {}): string {
  const u = uplotFiles()
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>griddle</title><link rel="icon" href="data:,">
<style>${u.css}${STYLE}${RELEASES_STYLE}</style></head>
<body>
<h1>griddle <small id="updated" class="empty"></small></h1>
<h2>Routes</h2>
<table id="routes"><thead><tr><th>route</th><th>arm</th><th>requests</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>errors</th></tr></thead><tbody></tbody></table>
<h2>Threads</h2>
<table id="threads"><thead><tr><th>thread</th><th>open connections</th><th>in flight</th><th>loop delay p99 ms</th><th>heap MiB</th></tr></thead><tbody></tbody></table>
<h2>Last 15 minutes</h2>
<div class="grid">
<div class="panel" id="rps"></div><div class="panel" id="latency"></div>
<div class="panel" id="errors"></div><div class="panel" id="cache"></div>
</div>
<div class="grid">
<div class="panel" id="experiments"><h2>Flags and experiments</h2><p class="empty">No flags or experiments yet: exposure counts per arm appear here.</p></div>
<div class="panel" id="releases"><h2>Releases</h2><p class="empty">No releases yet: ramp step, guard figures and ghost mismatches appear here.</p></div>
</div>
<script>${u.js}</script>
<script>${FLAGS_PANEL_SCRIPT}</script>
<script>${SCRIPT}</script>
${panels.releases === true ? `<script>${RELEASES_SCRIPT}</script>` : ''}
</body></html>
`
}

export function loginPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>griddle: sign in</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><h1>griddle admin</h1>
<form method="post" action="/login"><label>Token <input type="password" name="token" autofocus></label> <button>Sign in</button></form>
<p class="empty">The token is the <code>admin.token</code> option. It is kept in an HttpOnly cookie for this listener.</p>
</body></html>
`
}

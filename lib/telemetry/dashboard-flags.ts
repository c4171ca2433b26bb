/**
 * The dashboard's flags panel: the config's version and status, and the
 * exposure counts per flag variant and experiment arm, read from the shared
 * native counters (app.flags.exposures()) when /stats.json is asked for:
 * nothing on the request path.
 */
import type { Exposures, FlagsStatus } from '../traffic/app-flags.js'

/** What the panel reads: app.flags. */
export interface FlagsPanelSource {
  status(): FlagsStatus
  exposures(): Exposures
}

export interface FlagsPanel {
  status: FlagsStatus
  /** One row per flag and outcome ("off", "on" or a variant), and per experiment and arm. */
  rows: Array<{ kind: 'flag' | 'experiment', name: string, outcome: string, exposures: number }>
}

export function flagsPanel(source: FlagsPanelSource): FlagsPanel {
  const e = source.exposures()
  const rows: FlagsPanel['rows'] = []
  for (const [kind, table] of [['flag', e.flags], ['experiment', e.experiments]] as const) {
    for (const name of Object.keys(table).sort()) {
      for (const [outcome, exposures] of Object.entries(table[name]!)) rows.push({ kind, name, outcome, exposures })
    }
  }
  return { status: source.status(), rows }
}

/** Browser code: drawFlags(panel) fills #experiments; a panel of null (no flags) keeps its placeholder. */
export const FLAGS_PANEL_SCRIPT = `
function drawFlags(p) {
  const el = document.getElementById('experiments');
  if (!el || !p || !p.status) return;
  const st = p.status;
  const err = st.lastError ? ' · last error ' + st.lastError.code + ': ' + st.lastError.message : '';
  let html = '<h2>Flags and experiments</h2><p id="flags-status">version ' + (st.version === null ? '(none)' : st.version) +
    ' · ' + (st.source || 'no source') + ' · loaded ' + (st.loadedAt || 'never') + err + '</p>';
  html += '<table id="exposures"><thead><tr><th>kind</th><th>name</th><th>variant / arm</th><th>exposures</th></tr></thead><tbody></tbody></table>';
  el.innerHTML = html;
  const body = el.querySelector('tbody');
  for (const r of p.rows) {
    const tr = document.createElement('tr');
    for (const v of [r.kind, r.name, r.outcome, r.exposures]) { const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td); }
    body.appendChild(tr);
  }
}
`

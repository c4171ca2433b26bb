/**
 * The dashboard's releases panel: plain browser JavaScript (kept in the
 * strings below) that polls the admin API's `/releases` every 2 seconds and
 * draws each release into `#releases`: state, percent and step, both arms,
 * each guard figure beside its limit (marked when past it), the ghost
 * figures and the last mismatch examples. Everything from the API goes in
 * through textContent: examples carry request URLs and bodies, which are
 * the client's text, never markup.
 */

export const RELEASES_STYLE = `
#releases .release { margin: .6em 0 1em; } #releases h3 { font-size: 1em; margin: .2em 0; }
#releases .breach { color: #c00; font-weight: bold; } #releases .example { font: 12px ui-monospace, monospace; margin: .2em 0 .2em 1em; }
`

export const RELEASES_SCRIPT = `
(function () {
  const panel = document.getElementById('releases');
  function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function tbl(head, rows) {
    const t = el('table'); const h = el('tr');
    for (const c of head) h.appendChild(el('th', c));
    t.appendChild(el('thead')).appendChild(h);
    const b = t.appendChild(el('tbody'));
    for (const r of rows) { const tr = el('tr'); for (const c of r) { const td = el('td', c.text === undefined ? c : c.text); if (c.cls) td.className = c.cls; tr.appendChild(td); } b.appendChild(tr); }
    return t;
  }
  const f3 = (v) => Number(v).toFixed(3);
  const pc = (v) => (Number(v) * 100).toFixed(2) + ' %';
  function guards(r) {
    const g = r.guards; if (!g) return null;
    const ratio = r.stable.p99Ms > 0 ? r.candidate.p99Ms / r.stable.p99Ms : 0;
    const diff = r.candidate.p99Ms - r.stable.p99Ms;
    const p99 = ratio > g.p99Ratio && diff > g.p99AbsMs;
    const err = r.candidate.errorRate - r.stable.errorRate;
    const mis = r.ghost.runs > 0 ? r.ghost.mismatches / r.ghost.runs : 0;
    const mark = (bad, text) => ({ text, cls: bad ? 'breach' : '' });
    return tbl(['guard', 'now', 'limit'], [
      ['p99 ratio', mark(p99, f3(ratio)), '> ' + g.p99Ratio],
      ['p99 difference ms', mark(p99, f3(diff)), '> ' + g.p99AbsMs],
      ['error rate delta', mark(err > g.errorRateDelta, pc(err)), '> ' + pc(g.errorRateDelta)],
      ['ghost mismatch rate', mark(mis > g.mismatchRate, pc(mis)), '> ' + pc(g.mismatchRate)],
    ]);
  }
  function release(r) {
    const d = el('div', undefined, 'release');
    d.dataset.route = r.route; d.dataset.version = r.version;
    d.appendChild(el('h3', r.route + ' · ' + r.version + ' (stable ' + r.stableVersion + ')'));
    d.appendChild(el('p', 'state ' + r.state + ', ' + r.percent + ' % of traffic' + (r.step >= 0 ? ', step ' + r.step : '') + (r.reason ? '; reason: ' + r.reason : ''), 'state'));
    d.appendChild(tbl(['arm', 'version', 'requests', 'error rate', 'p50 ms', 'p99 ms'],
      [['stable', r.stable], ['candidate', r.candidate]].map(([n, a]) => [n, a.version, a.requests, pc(a.errorRate), f3(a.p50Ms), f3(a.p99Ms)])));
    const g = guards(r); if (g) d.appendChild(g);
    const gh = r.ghost;
    d.appendChild(el('p', 'ghost: ' + gh.runs + ' runs, ' + gh.mismatches + ' mismatched, ' + gh.errors + ' errors, ' + gh.shed + ' shed', 'ghost'));
    const paths = Object.entries(gh.paths).sort((a, b) => b[1] - a[1]).slice(0, 10);
    if (paths.length > 0) d.appendChild(tbl(['mismatched path', 'runs'], paths));
    for (const x of gh.examples.slice(-3).reverse()) {
      const e = el('div', undefined, 'example');
      e.appendChild(el('div', x.request.method + ' ' + x.request.url));
      if (x.candidate.error) e.appendChild(el('div', 'candidate failed: ' + x.candidate.error));
      for (const c of x.diff.slice(0, 5)) e.appendChild(el('div', c.path + ': ' + (JSON.stringify(c.stable) ?? '(absent)') + ' → ' + (JSON.stringify(c.candidate) ?? '(absent)')));
      d.appendChild(e);
    }
    return d;
  }
  async function pollReleases() {
    try {
      const res = await fetch('releases', { credentials: 'same-origin', cache: 'no-store' });
      if (res.ok) {
        const list = (await res.json()).releases;
        if (list.length > 0) {
          panel.replaceChildren(el('h2', 'Releases'), ...list.map(release));
        }
        panel.dataset.ready = 'true';
      }
    } catch (e) {
      // The next poll tries again.
    } finally {
      setTimeout(pollReleases, 2000);
    }
  }
  pollReleases();
})();
`

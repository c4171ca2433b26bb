import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, type App } from 'griddle'
import { releaseRoutes } from '../../lib/admin/release-routes.js'
import { Telemetry } from '../../lib/telemetry/telemetry.js'
import { telemetryOptions } from '../../lib/telemetry/options.js'
import type { AdminRoute } from '../../lib/admin/listener.js'
import { TestReleases } from '../helpers/releases.js'
import { launchChromium } from '../helpers/chromium.js'

const TOKEN = 'dashboard-releases-token-0123'

/**
 * An admin listener with the app's telemetry routes and release routes over
 * `releases` (a state machine whose figures the test sets: a real app's own
 * releases are mounted by createApp, and would need real traffic to breach a guard).
 */
async function mount(app: App, routes: AdminRoute[]): Promise<{ telemetry: Telemetry, port: number }> {
  const telemetry = new Telemetry(telemetryOptions({ admin: { port: 0, token: TOKEN } }), app.stats.native, () => app.stats.snapshot())
  telemetry.addRoutes(routes)
  const { admin } = await telemetry.start()
  return { telemetry, port: admin!.port }
}

function releasesWithFigures(): TestReleases {
  const releases = new TestReleases()
  const r = releases.add('GET /users/:id', 'v2')
  r.ghost({ sample: 0.1 })
  r.ramp({ steps: [5, 50, 100], guards: { p99Ratio: 1.25, p99AbsMs: 2 } })
  r.stable = { version: 'v1', requests: 4000, errors: 4, errorRate: 0.001, p50Ms: 0.2, p99Ms: 1 }
  // p99 5 ms slower: past both the ratio and the absolute limit.
  r.candidate = { version: 'v2', requests: 210, errors: 0, errorRate: 0, p50Ms: 0.3, p99Ms: 6 }
  r.ghostFigures = {
    runs: 400, mismatches: 8, errors: 1, shed: 3, paths: { '/name': 8 }, noise: { '/at': 90 },
    examples: [{
      at: new Date().toISOString(),
      request: { method: 'GET', url: '/users/7?q=<img src=x onerror=alert(1)>', headers: {} },
      stable: { status: 200, headers: {}, body: { name: 'Ada' } },
      candidate: { status: 200, headers: {}, body: { name: '<b>ada</b>' } },
      diff: [{ path: '/name', stable: 'Ada', candidate: '<b>ada</b>' }],
    }],
  }
  return releases
}

test('the dashboard shows each release: state, percent, guard figures beside their limits, ghost mismatch examples', async (t) => {
  const chromium = await launchChromium(t)
  if (chromium === null) return
  const app = createApp()
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  const releases = releasesWithFigures()
  const { telemetry, port: adminPort } = await mount(app, releaseRoutes(releases))
  const admin = { port: adminPort }
  try {
    const { page, problems } = await chromium.page({ width: 1200, height: 1400 })
    await page.goto(`http://127.0.0.1:${admin!.port}/?token=${TOKEN}`, { waitUntil: 'load' })
    await page.waitForSelector('#releases[data-ready="true"] .release', { timeout: 10_000 })
    const panel = await page.$eval('#releases .release', (d) => ({
      route: (d as HTMLElement).dataset.route,
      title: d.querySelector('h3')!.textContent,
      state: d.querySelector('.state')!.textContent,
      ghost: d.querySelector('.ghost')!.textContent,
      guards: [...d.querySelectorAll('table')].find((tb) => tb.textContent!.includes('guard'))!
        .querySelectorAll('tbody tr').length,
      rows: [...d.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent, td.className])),
      examples: [...d.querySelectorAll('.example')].map((e) => e.textContent),
      injected: d.querySelectorAll('img, b').length,
    }))
    assert.equal(panel.route, 'GET /users/:id')
    assert.equal(panel.title, 'GET /users/:id · v2 (stable v1)')
    assert.equal(panel.state, 'state ramping, 5 % of traffic, step 0')
    assert.equal(panel.ghost, 'ghost: 400 runs, 8 mismatched, 1 errors, 3 shed')
    assert.equal(panel.guards, 4)
    const row = (name: string) => panel.rows.find((r) => r[0]![0] === name)!
    assert.deepEqual(row('p99 ratio'), [['p99 ratio', ''], ['6.000', 'breach'], ['> 1.25', '']])
    assert.deepEqual(row('p99 difference ms'), [['p99 difference ms', ''], ['5.000', 'breach'], ['> 2', '']])
    assert.deepEqual(row('error rate delta').map((c) => c[1]), ['', '', ''])
    assert.deepEqual(row('ghost mismatch rate'), [['ghost mismatch rate', ''], ['2.00 %', 'breach'], ['> 0.10 %', '']])
    assert.deepEqual(row('/name')!.map((c) => c[0]), ['/name', '8'])
    assert.equal(panel.examples.length, 1)
    assert.match(panel.examples[0]!, /GET \/users\/7\?q=<img src=x onerror=alert\(1\)>/)
    assert.match(panel.examples[0]!, /\/name: "Ada" → "<b>ada<\/b>"/)
    assert.equal(panel.injected, 0, 'example text is never markup')
    // A change made elsewhere shows at the next poll.
    releases.get('GET /users/:id')!.rollback('p99 guard')
    await page.waitForFunction(() => document.querySelector('#releases .state')?.textContent?.includes('rolled-back'), { timeout: 10_000 })
    assert.match(await page.$eval('#releases .state', (e) => e.textContent!), /state rolled-back, 0 % of traffic; reason: p99 guard/)
    await chromium.screenshot(page, 'dashboard-releases')
    assert.deepEqual(problems, [])
  } finally {
    await chromium.close()
    telemetry.stop()
    await app.close()
  }
})

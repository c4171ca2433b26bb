import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'
import { launchChromium } from '../helpers/chromium.js'

const TOKEN = 'dashboard-token-0123456789'

const SOURCE = {
  version: 'v-panel-7',
  flags: { roll: { rollout: 50 }, button: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 1 }, { name: 'blue', weight: 1 }] } },
  experiments: { 'home-layout': { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }] } },
}

test('the dashboard\'s flags panel shows the config version and the exposures per variant and arm of known traffic', async (t) => {
  const chromium = await launchChromium(t)
  if (chromium === null) return
  const app = createApp({ admin: { token: TOKEN }, admission: false, unitKey: { header: 'x-user-id' }, flags: { source: SOURCE } })
  app.get('/', (req) => [req.flags.isEnabled('roll'), req.flags.variant('button').name, req.experiment('home-layout')])
  const { port, admin } = await app.listen(0)
  try {
    const want = new Map<string, number>()
    const add = (k: string) => want.set(k, (want.get(k) ?? 0) + 1)
    for (let i = 0; i < 30; i++) {
      const [on, button, arm] = (await request(port, '/', { headers: { 'x-user-id': `u${i}` } })).json() as [boolean, string, string]
      add(`flag roll ${on ? 'on' : 'off'}`)
      add(`flag button ${button}`)
      add(`experiment home-layout ${arm}`)
    }
    const { page, problems } = await chromium.page({ width: 800, height: 600 })
    await page.goto(`http://127.0.0.1:${admin!.port}/?token=${TOKEN}`, { waitUntil: 'load' })
    await page.waitForSelector('#exposures tbody tr', { timeout: 10_000 })
    assert.match(await page.$eval('#flags-status', (el) => el.textContent ?? ''), /version v-panel-7 · object · loaded 20/)
    const rows = await page.$$eval('#exposures tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    const got = new Map(rows.filter((r) => Number(r[3]) > 0).map((r) => [`${r[0]} ${r[1]} ${r[2]}`, Number(r[3])]))
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()))
    await chromium.screenshot(page, 'dashboard-flags')
    assert.deepEqual(problems, [])
  } finally {
    await chromium.close()
    await app.close()
  }
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { launchChromium } from '../helpers/chromium.js'

const TOKEN = 'dashboard-token-0123456789'

test('the dashboard shows the routes and counts of known traffic, draws its charts, and logs no errors', async (t) => {
  const chromium = await launchChromium(t)
  if (chromium === null) return
  const app = createApp({ admin: { token: TOKEN } })
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  app.get('/cached', { cache: { ttlMs: 60_000 } }, () => ({ cached: true }))
  const { port, admin } = await app.listen(0)
  try {
    for (let i = 0; i < 12; i++) await request(port, `/users/${i}`)
    for (let i = 0; i < 5; i++) await request(port, '/cached')
    const { page, problems } = await chromium.page({ width: 1200, height: 900 })
    // ?token= signs in: an HttpOnly cookie, then a redirect to the page itself.
    await page.goto(`http://127.0.0.1:${admin!.port}/?token=${TOKEN}`, { waitUntil: 'load' })
    assert.equal(new URL(page.url()).search, '')
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 })
    // A second poll brings a point with the traffic above into the series.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) await request(port, `/users/${j}`)
      await sleep(1100)
    }
    const rows = await page.$$eval('#routes tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    const users = rows.find((r) => r[0] === '/users/:id')
    assert.ok(users !== undefined, JSON.stringify(rows))
    assert.equal(users[1], 'stable')
    assert.equal(Number(users[2]), 27)
    assert.equal(Number(rows.find((r) => r[0] === '/cached')![2]), 5)
    // Every chart has a canvas with ink on it.
    const inked = await page.$$eval('.panel canvas', (canvases) => canvases.map((c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!
      const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height)
      let ink = 0
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++
      return ink
    }))
    assert.equal(inked.length, 4)
    for (const n of inked) assert.ok(n > 100, `a chart drew ${n} pixels`)
    await chromium.screenshot(page, 'dashboard')
    assert.deepEqual(problems, [])
  } finally {
    await chromium.close()
    await app.close()
  }
})

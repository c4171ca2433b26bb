import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApp } from 'griddle'
import { request, sleep } from '../helpers/http.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TOKEN = 'dashboard-token-0123456789'
/** Where the screenshot goes: a test artifact (CI keeps dist/test-artifacts/). */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

test('the dashboard shows the routes and counts of known traffic, draws its charts, and logs no errors', async (t) => {
  if (!existsSync(CHROMIUM)) {
    console.log(`# skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`)
    t.skip(`no Chromium at ${CHROMIUM}`)
    return
  }
  const puppeteer = (await import('puppeteer-core')).default
  const app = createApp({ admin: { token: TOKEN } })
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  app.get('/cached', { cache: { ttlMs: 60_000 } }, () => ({ cached: true }))
  const { port, admin } = await app.listen(0)
  const profile = mkdtempSync(join(tmpdir(), 'griddle-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
  })
  try {
    for (let i = 0; i < 12; i++) await request(port, `/users/${i}`)
    for (let i = 0; i < 5; i++) await request(port, '/cached')
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
    page.on('pageerror', (e) => problems.push(String(e)))
    await page.setViewport({ width: 1200, height: 900 })
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
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true })
    assert.deepEqual(problems, [])
  } finally {
    await browser.close()
    await app.close()
    rmSync(profile, { recursive: true, force: true })
  }
})

/**
 * Headless Chromium for the dashboard tests (Debian's `chromium`, driven by
 * puppeteer-core: no browser download works here). A test that finds none
 * skips, saying where it looked and how to install it.
 */
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import type { Browser, Page } from 'puppeteer-core'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Where screenshots go: test artifacts (CI keeps dist/test-artifacts/). */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

export interface Chromium {
  browser: Browser
  /** A new page whose console errors, uncaught errors and dialogs are collected in `problems`. */
  page(viewport: { width: number, height: number }): Promise<{ page: Page, problems: string[] }>
  /** Saves a full-page screenshot as test-artifacts/<name>.png. */
  screenshot(page: Page, name: string): Promise<void>
  close(): Promise<void>
}

/** Launches Chromium with a profile of its own, or skips the test and returns null when there is none. */
export async function launchChromium(t: TestContext): Promise<Chromium | null> {
  if (!existsSync(CHROMIUM)) {
    console.log(`# skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`)
    t.skip(`no Chromium at ${CHROMIUM}`)
    return null
  }
  const puppeteer = (await import('puppeteer-core')).default
  const profile = mkdtempSync(join(tmpdir(), 'griddle-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
  })
  return {
    browser,
    async page(viewport) {
      const page = await browser.newPage()
      const problems: string[] = []
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
      page.on('pageerror', (e) => problems.push(String(e)))
      page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss() })
      await page.setViewport(viewport)
      return { page, problems }
    },
    async screenshot(page, name) {
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
    },
    async close() {
      await browser.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

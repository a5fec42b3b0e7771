import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:18080';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
async function login(u) {
  await page.context().clearCookies();
  await page.goto(`${base}/login`);
  await page.fill('#username', u);
  await page.fill('#password', 'demo-pass-1');
  await page.click('button[type=submit]');
  await page.waitForLoadState('networkidle');
}
await login('caseoffice');
await page.screenshot({ path: '/tmp/s-home.png', fullPage: false });
await page.goto(`${base}/nodes`);
await page.screenshot({ path: '/tmp/s-nodes.png', fullPage: false });
await page.goto(`${base}/nodes?view=medians`);
await page.screenshot({ path: '/tmp/s-medians.png', fullPage: false });
const href = await page.getAttribute('#late-nodes a, a[href*="#nodes"]', 'href').catch(() => null);
await page.goto(`${base}/nodes?view=late`);
const h2 = await page.getAttribute('#late-nodes tbody a', 'href');
await page.goto(`${base}${h2}`);
const el = await page.$('#nodes');
if (el) await el.scrollIntoViewIfNeeded();
await page.screenshot({ path: '/tmp/s-case.png', fullPage: false });
await browser.close();

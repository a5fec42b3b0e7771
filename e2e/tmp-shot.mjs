import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const base = 'http://127.0.0.1:18080';
async function login(u) {
  await page.goto(base + '/login');
  await page.fill('input[name=username]', u);
  await page.fill('input[name=password]', 'demo-pass-1');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}
await login('judge');
await page.goto(base + '/cases/1520/similar', { timeout: 180000 });
await page.goto(base + '/cases/1520');
const c = page.locator('#similar-conflict');
console.log('conflict:', await c.count());
if (await c.count()) { await c.scrollIntoViewIfNeeded(); await page.screenshot({ path: '/tmp/shot-conflict.png' }); }
await page.locator('#similar-top').scrollIntoViewIfNeeded();
await page.screenshot({ path: '/tmp/shot-top.png' });
await page.goto(base + '/cases/1520/similar');
await page.screenshot({ path: '/tmp/shot-similar.png' });
await browser.close();

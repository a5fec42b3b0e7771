import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:18080';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
async function as(user, pages) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await page.goto(`${base}/login`);
  await page.fill('#username', user);
  await page.fill('#password', 'demo-pass-1');
  await Promise.all([page.waitForURL(/\/todo/), page.click('button[type=submit]')]);
  for (const [path, name] of pages) {
    const r = await page.goto(`${base}${path}`);
    console.log(user, path, r.status());
    await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  }
  await page.close();
}
await as('deputy', [['/todo', 'd-todo'], ['/deputies/surveys/1', 'd-survey']]);
await as('npc_hz', [['/deputies/surveys', 'n-surveys'], ['/deputies/surveys/1', 'n-survey1']]);
await browser.close();

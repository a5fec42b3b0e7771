// Browser test in real headless Chromium: start the demo, log in as a court judge, filter the case
// list, open a case and read its timeline, check that a court user cannot open another court's case,
// check the warnings board, mail, calendar import and the auditor's ledger, run a referral from the
// 政法委 to the 人大 through a supervision item to 销号 and the exported 台账, flag a case and see a
// forbidden 院庭长 act refused, read the quality dashboard and the judgment library, write a
// 类案检索报告, sign for a 量刑偏离预警, rate a case through its 司法公正码 and follow the bad rating to
// its answer, keep the 失信 list, release a typical case, file a 拒执 referral, help clear a 终本 case as
// a deputy and see the 终本库出清 board move, answer a deputies' survey and read its chart, and save
// screenshots to
// e2e/artifacts/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { createHash, createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.TIANPING_BIN ?? join(here, '..', 'target', 'debug', 'tianping');
const artifacts = join(here, 'artifacts');
// The demo binds port 0 and says which port it got: a port picked here could already be taken.
let base;
const password = 'e2e-password-1';
let server, browser, dataDir;
// The case of the unused rating code the demo prints (司法公正码).
let ratingCase;

async function waitHealthy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (base) {
      try {
        const r = await fetch(`${base}/healthz`);
        if (r.ok) return;
      } catch { /* not up yet */ }
    }
    if (server.exitCode !== null) throw new Error(`demo exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('demo did not become healthy in time');
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'tianping-e2e-'));
  server = spawn(bin, ['demo', '--cases', '1500', '--seed', '7', '--listen', '127.0.0.1:0', '--data', dataDir, '--password', password], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The suite logs in some sixty times in a few minutes from one address: the per-minute login
    // limit (30) is raised so the run does not depend on its pace (the limiter is tested in the
    // server's security tests).
    env: { ...process.env, TIANPING_LOG: 'warn', TIANPING_RATE_LOGIN_PER_MINUTE: '1000' },
  });
  let out = '';
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    out += chunk;
    const m = out.match(/demo is ready: (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m && !base) base = m[1];
    const r = out.match(/rating code of case (\d+)/);
    if (r && !ratingCase) ratingCase = r[1];
  });
  await waitHealthy(120_000);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function login(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/todo/), page.click('button[type=submit]')]);
}

test('a judge logs in, filters the case list, opens a case and reads its timeline', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await page.goto(`${base}/cases`);
  assert.match(page.url(), /\/login$/, 'anonymous users are sent to the login page');
  await page.screenshot({ path: join(artifacts, '01-login.png') });

  await login(page, 'judge');
  assert.ok(await page.$('#todo-summary'), 'a judge starts at 待办');
  await Promise.all([page.waitForURL(/\/cases$/), page.click('nav a[href="/cases"]')]);
  // A judge's list opens on their own cases; 全部案件 shows the court's.
  assert.match(await page.getAttribute('#tab-mine', 'class'), /active/);
  const mine = Number((await page.textContent('#summary')).match(/共\s*(\d+)\s*件/)[1]);
  const judgeCells = await page.$$eval('table.cases tbody tr td:nth-child(5)', (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(judgeCells.every((j) => j === judgeCells[0]), `one 承办人 on 我承办的 (${[...new Set(judgeCells)]})`);
  await Promise.all([page.waitForURL(/mine=0/), page.click('#tab-all')]);
  const summary = await page.textContent('#summary');
  assert.ok(Number(summary.match(/共\s*(\d+)\s*件/)[1]) > mine, 'the whole court has more');
  // The list downloads as a workbook, with the same filters.
  const xl = await page.request.get(`${base}${await page.getAttribute('#export-cases', 'href')}`);
  assert.equal(xl.status(), 200);
  assert.match(xl.headers()['content-type'], /spreadsheetml/);
  const total = Number(summary.match(/共\s*(\d+)\s*件/)[1]);
  assert.ok(total > 10, `the judge's court has cases (${summary})`);
  const courts = await page.$$eval('table.cases tbody tr td:first-child a', (as) => as.map((a) => a.textContent));
  assert.ok(courts.every((n) => n.includes('浙0102')), 'only 上城 court cases are listed');
  // Each open case says how long its nearest clock has left.
  const left = await page.$$eval('table.cases tbody span.left', (ss) => ss.map((s) => s.textContent.trim()));
  assert.ok(left.length > 0 && left.every((t) => /(剩 \d+ 天|超期 \d+ 天|今日届满)$/.test(t)), `期限 column: ${left.slice(0, 5)}`);
  await page.screenshot({ path: join(artifacts, '02-cases.png'), fullPage: false });
  // Pages are numbered, first and last linked, and a page can be typed; the jump keeps the
  // filters (here the whole court).
  if (total > 40) {
    const links = await page.$$eval('#pager a', (as) => as.map((a) => a.textContent.trim()));
    const pages = Math.ceil(total / 20);
    assert.ok(links.includes(String(pages)), `the last page is linked: ${links}`);
    await page.fill('#page-jump input[name=page]', '2');
    await Promise.all([page.waitForURL(/page=2/), page.click('#page-jump button')]);
    assert.match(page.url(), /mine=0/);
    assert.match(await page.textContent('#summary'), /第 2 \/ \d+ 页/);
    assert.equal((await page.textContent('#pager strong[aria-current]')).trim(), '2');
    await page.goBack();
  }

  await page.selectOption('#type_code', '民初');
  await page.selectOption('#status', 'closed');
  await Promise.all([page.waitForURL(/type_code=/), page.click('#search')]);
  const filtered = Number((await page.textContent('#summary')).match(/共\s*(\d+)\s*件/)[1]);
  assert.ok(filtered > 0 && filtered < total, `filter narrows the list (${filtered} of ${total})`);
  const statuses = await page.$$eval('table.cases tbody tr td:last-child', (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(statuses.every((s) => s === '已结'), 'every listed case is closed');
  const numbers = await page.$$eval('table.cases tbody tr td:first-child a', (as) => as.map((a) => a.textContent));
  assert.ok(numbers.every((n) => n.includes('民初')), 'every listed case is a 民初 case');
  await page.screenshot({ path: join(artifacts, '03-filtered.png') });

  const first = numbers[0];
  await Promise.all([page.waitForURL(/\/cases\/\d+$/), page.click('table.cases tbody tr:first-child td:first-child a')]);
  assert.equal((await page.textContent('#case-number')).trim(), first);
  const steps = await page.$$eval('#timeline li strong', (s) => s.map((x) => x.textContent));
  assert.equal(steps[0], '立案', 'the timeline starts with the filing');
  assert.ok(steps.includes('结案'), 'a closed case shows its closing');
  await page.screenshot({ path: join(artifacts, '04-case.png'), fullPage: true });
  await page.close();
});

test('a court user cannot open another court\'s case by URL', async () => {
  const office = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await login(office, 'caseoffice');
  // The 杭州 case office sees every 杭州 court; find a 西湖 (浙0106) case.
  await office.goto(`${base}/cases?case_number=`);
  const res = await office.request.get(`${base}/api/v1/cases?per_page=200`);
  const items = (await res.json()).items;
  const other = items.find((c) => !c.case_number.includes('浙0102'));
  assert.ok(other, 'the city case office sees cases of other courts');
  await office.close();

  const judge = await browser.newPage();
  await login(judge, 'judge');
  const resp = await judge.goto(`${base}/cases/${other.id}`);
  assert.equal(resp.status(), 404, 'a 上城 judge gets 404 for a case of another court');
  assert.match(await judge.textContent('body'), /不存在或不在您的权限范围内/);
  await judge.screenshot({ path: join(artifacts, '05-out-of-scope.png') });
  await judge.close();
});

// The TOTP second factor (RFC 6238) the 三员 must use: the browser test plays the person's
// authenticator app with the secret it read when it enrolled them.
const totpSecrets = {};
const totpLastStep = {};
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { bits -= 8; out.push((value >>> bits) & 0xff); }
  }
  return Buffer.from(out);
}
function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', key).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}
// A code that has not been used yet: this step's, or the next one's (the server allows one
// step of drift), or — if both are used — wait for a fresh step.
async function nextCode(username) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const step = Math.max(now, (totpLastStep[username] ?? -1) + 1);
    if (step <= now + 1) {
      totpLastStep[username] = step;
      return hotp(base32Decode(totpSecrets[username]), step);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function loginAny(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForURL(/\/(todo|account\/security|login)/);
  if (await page.$('#totp-code')) {
    await page.fill('#totp-code', await nextCode(username));
    await Promise.all([page.waitForURL(/\/todo/), page.click('button[type=submit]')]);
  } else if (page.url().includes('/account/security')) {
    // First login of a role that must have a second factor: enrol, as the person would.
    assert.ok(await page.$('#totp-required'), 'the page says why');
    totpSecrets[username] = (await page.textContent('#totp-secret')).trim();
    await page.screenshot({ path: join(artifacts, `30-account-security-${username}.png`) });
    await page.fill('#totp-confirm-code', await nextCode(username));
    await Promise.all([page.waitForLoadState('load'), page.click('#totp-form button[type=submit]')]);
    assert.equal((await page.$$('#recovery-codes li')).length, 10, 'ten recovery codes, shown once');
    await page.goto(`${base}/`);
  }
  await page.waitForURL(/\/todo/);
}

async function csrfOf(page) {
  return page.$eval('input[name=csrf]', (i) => i.value);
}

test('the case office works the warnings board: why panel, 督办函, Excel export', async () => {
  let page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(page, 'caseoffice');
  await page.goto(`${base}/warnings`);
  const tabs = await page.$$eval('#category-tabs a[data-category]', (as) => as.map((a) => [a.dataset.category, Number(a.querySelector('b').textContent)]));
  const counts = Object.fromEntries(tabs);
  assert.ok(counts.overdue > 0 && Object.values(counts).filter((n) => n > 0).length >= 2,
    `the city has overdue cases and warnings of other kinds: ${JSON.stringify(counts)}`);
  await page.screenshot({ path: join(artifacts, '06-warnings.png') });

  await Promise.all([page.waitForURL(/category=overdue/), page.click('#category-tabs a[data-category=overdue]')]);
  const cats = await page.$$eval('#board tbody td .cat', (s) => s.map((x) => x.textContent.trim()));
  assert.ok(cats.length > 0 && cats.every((c) => c === '已超期'), 'the overdue tab lists only overdue clocks');
  const left = await page.$$eval('#board tbody td .left', (s) => s.map((x) => x.textContent.trim()));
  assert.ok(left.every((t) => t.startsWith('超期')), `every row says how long overdue: ${left.slice(0, 3)}`);

  // 执行 apart from 审判, and one court picked from the tree of the city's courts.
  await Promise.all([page.waitForURL(/line=execution/), page.click('#line-tabs a[data-line=execution]')]);
  const execNumbers = await page.$$eval('#board tbody td:first-child a', (as) => as.map((a) => a.textContent.trim()));
  assert.ok(execNumbers.length > 0 && execNumbers.every((n) => /执/.test(n)), `execution cases only: ${execNumbers.slice(0, 3)}`);
  const courts = await page.$$eval('#org option', (os) => os.map((o) => o.textContent));
  assert.ok(courts.some((c) => /^\u3000+杭州市上城区人民法院$/.test(c)), `an indented tree: ${courts.slice(0, 4)}`);
  await page.selectOption('#org', { label: courts.find((c) => c.includes('上城区人民法院')) });
  await Promise.all([page.waitForURL(/org=/), page.click('form.filters button[type=submit]')]);
  assert.match(page.url(), /line=execution/, 'the tab is kept');
  const execCourts = await page.$$eval('#board tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(execCourts.every((t) => t.includes('上城区人民法院')), 'only 上城');
  await page.screenshot({ path: join(artifacts, '06-warnings-execution.png') });
  await page.goto(`${base}/warnings?category=overdue`);

  // 确认所选: two warnings at once, back on the same tab.
  const picks = page.locator('#board tbody input.pick');
  const before = await picks.count();
  assert.ok(before >= 2, `warnings to confirm (${before})`);
  await picks.nth(0).check();
  await picks.nth(1).check();
  await Promise.all([page.waitForURL(/category=overdue/), page.click('#bulk-ack-submit')]);
  assert.equal(await page.locator('#board tbody input.pick').count(), before - 2, 'both confirmed, the page kept');
  // 批量发函: two more, one 提示函 per case (the case office's own), listed to print or download;
  // back to the same tab.
  await page.locator('#board tbody input.pick').nth(0).check();
  await page.locator('#board tbody input.pick').nth(1).check();
  await page.selectOption('#bulk-letter-kind', 'reminder');
  await Promise.all([page.waitForURL(/\/warnings\/letters$/), page.click('#bulk-letter-submit')]);
  assert.match(await page.textContent('h1'), /已制发提示函 [12] 份/);
  const issued = await page.$$eval('#issued-letters tbody tr td:first-child', (t) => t.map((x) => x.textContent.trim()));
  assert.ok(issued.length >= 1 && issued.every((n) => /^浙01审管提〔\d{4}〕\d+号$/.test(n)), `numbers: ${issued}`);
  await page.screenshot({ path: join(artifacts, '07-bulk-letters.png'), fullPage: false });
  await Promise.all([page.waitForURL(/category=overdue/), page.click('.crumbs a')]);

  const xlsx = await page.request.get(`${base}/warnings/export.xlsx?category=overdue`);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
  const bytes = await xlsx.body();
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an .xlsx (zip) workbook');

  await Promise.all([page.waitForURL(/\/cases\/\d+$/), page.click('#board tbody tr:first-child td:first-child a')]);
  const clock = page.locator('#clocks section.clock').first();
  await clock.locator('details.why summary').click();
  const steps = await clock.locator('details.why li b').allTextContents();
  assert.ok(steps.includes('规则') && steps.includes('起算') && steps.includes('法定期限'), `why panel: ${steps}`);
  assert.match(await clock.textContent(), /已超期/);
  await page.screenshot({ path: join(artifacts, '07-case-clocks.png'), fullPage: true });

  // The letter form: a refused deadline keeps everything typed and says why next to the field.
  await Promise.all([page.waitForURL(/\/letters\/new$/), page.click('#new-letter')]);
  assert.match(await page.inputValue('#letter-addressee-input'), /本院承办部门|人民法院/);
  await page.selectOption('#letter-kind', 'supervision');
  await page.fill('#letter-addressee-input', '本院刑事审判第一庭');
  await page.fill('#letter-body', '请立即核查超期原因并于五日内报告。');
  // The date picker's min/max would stop a browser user; a typed-in past date is what the server sees.
  await page.evaluate(() => { const i = document.querySelector('#letter-reply-by'); i.removeAttribute('min'); i.value = '2020-01-01'; });
  await Promise.all([page.waitForLoadState('load'), page.click('#issue-letter')]);
  assert.match(await page.textContent('#reply-by-error'), /反馈期限2020年1月1日不能早于明天/);
  assert.equal(await page.inputValue('#letter-body'), '请立即核查超期原因并于五日内报告。');
  assert.equal(await page.inputValue('#letter-addressee-input'), '本院刑事审判第一庭');
  assert.equal(await page.inputValue('#letter-kind'), 'supervision');
  await page.screenshot({ path: join(artifacts, '08-letter-refused.png'), fullPage: true });
  await page.evaluate(() => { const i = document.querySelector('#letter-reply-by'); const d = new Date(Date.now() + 5 * 86400000); i.value = d.toISOString().slice(0, 10); });
  // A 督办函 speaks for the court: it goes to the city court's president as a draft (送签稿).
  await Promise.all([page.waitForURL(/\/letters\/drafts\/\d+$/), page.click('#issue-letter')]);
  assert.equal((await page.textContent('#draft-state')).trim(), '待签发');
  const draftUrl = page.url();
  await page.screenshot({ path: join(artifacts, '08-letter-draft.png'), fullPage: true });
  await page.close();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', acceptDownloads: true });
  await loginAny(page, 'president_city');
  assert.ok(await page.$(`#todo-sign_letter a[href="${new URL(draftUrl).pathname}"]`), 'the draft waits on the president\'s 待办');
  await page.goto(draftUrl);
  assert.match(await page.textContent('#draft-letter-preview'), /请立即核查超期原因/);
  await Promise.all([page.waitForURL(/\/letters\/\d+$/), page.click('#sign-draft')]);
  const number = (await page.textContent('#letter-number')).trim();
  assert.match(await page.textContent('#letter-meta'), /拟稿人：周主任；签发人：陈院长/);
  assert.match(number, /^浙01审管督〔\d{4}〕\d+号$/);
  assert.match(await page.textContent('#letter'), /请立即核查超期原因/);
  assert.match(await page.textContent('#letter-addressee'), /^本院刑事审判第一庭：$/);
  assert.match(await page.textContent('#letter-date'), /^\d{4}年[1-9]\d?月[1-9]\d?日$/);
  await page.screenshot({ path: join(artifacts, '08-letter.png'), fullPage: true });
  // The same letter as Word: a zip whose document part has the number and the Chinese date.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#letter-docx')]);
  assert.match(download.suggestedFilename(), /\.docx$/);
  const xml = docxDocument(readFileSync(await download.path()));
  assert.ok(xml.includes(number), 'the number with 〔〕 in the Word document');
  assert.match(xml, /\d{4}年[1-9]\d?月[1-9]\d?日/);
  assert.ok(xml.includes('本院刑事审判第一庭：'));
  await Promise.all([page.waitForURL(/\/cases\/\d+$/), page.click('.letter-tools a[href^="/cases/"]')]);
  assert.match(await page.textContent('#letters + ul'), new RegExp(number.replace(/[()（）]/g, '.')));
  await page.close();
});

test('nobody crosses the line: a judge cannot acknowledge another court\'s warning or issue letters', async () => {
  const office = await browser.newPage();
  await login(office, 'caseoffice');
  const board = await (await office.request.get(`${base}/api/v1/warnings`)).json();
  const foreign = board.items.find((i) => !i.case_number.includes('浙0102') && i.warning_id);
  assert.ok(foreign, 'the city case office sees warnings of other courts');
  await office.close();

  const judge = await browser.newPage();
  await login(judge, 'judge');
  await judge.goto(`${base}/warnings`);
  const csrf = await csrfOf(judge);
  const rows = await judge.$$eval('#board tbody tr td:first-child a', (as) => as.map((a) => a.textContent));
  assert.ok(rows.every((n) => n.includes('浙0102')), 'the judge\'s board holds only his court\'s cases');
  const ack = await judge.request.post(`${base}/api/v1/warnings/${foreign.warning_id}/ack`, { headers: { 'X-CSRF-Token': csrf } });
  assert.equal(ack.status(), 404);
  const letter = await judge.request.post(`${base}/api/v1/cases/${foreign.case_id}/letters`, {
    headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    data: JSON.stringify({ kind: 'warning' }),
  });
  assert.equal(letter.status(), 403);
  assert.equal((await letter.json()).error.code, 'forbidden');
  const noCsrf = await judge.request.post(`${base}/api/v1/warnings/${foreign.warning_id}/ack`);
  assert.equal(noCsrf.status(), 403);

  // Preferences: a bad address is refused in Chinese, a good one saved.
  await judge.goto(`${base}/mailbox`);
  const before = await judge.inputValue('#email');
  // The browser already refuses what is not an address; the server refuses the rest (no domain dot).
  await judge.fill('#email', 'judge@court');
  await judge.selectOption('#cadence', 'weekly');
  await judge.click('.prefs button[type=submit]');
  assert.match(await judge.textContent('#prefs-error'), /格式不正确/);
  // A new address waits for confirmation from the link mailed to it (mail belongs to the user,
  // not to an address: typing someone else's address shows nothing of theirs).
  await judge.fill('#email', 'judge@court.example.cn');
  await Promise.all([judge.waitForURL(/saved=pending/), judge.click('.prefs button[type=submit]')]);
  assert.equal(await judge.inputValue('#email'), before);
  assert.match(await judge.textContent('#email-pending'), /judge@court\.example\.cn/);
  assert.match(await judge.textContent('#prefs-saved'), /确认链接已发送/);
  assert.equal(await judge.inputValue('#cadence'), 'weekly');
  await judge.close();
});

test('the demo\'s morning mail exists: the system outbox holds warnings and digests, without their content', async () => {
  const admin = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await loginAny(admin, 'sysadmin');
  await admin.goto(`${base}/mailbox`);
  const kinds = await admin.$$eval('#deliveries .kind', (s) => s.map((x) => x.textContent));
  assert.ok(kinds.includes('期限汇总提醒'), 'daily digests');
  assert.ok(kinds.includes('期限预警'), 'urgent warnings');
  // 三员分立: the system administrator sees deliveries, never a subject, body or case number.
  assert.equal(await admin.$('#mails'), null);
  assert.doesNotMatch(await admin.textContent('main'), /案号|（20\d\d）/);
  await admin.screenshot({ path: join(artifacts, '09-mailbox.png') });
  await admin.close();
});

test('the security administrator connects an agency system: its token shows once and stops working when revoked', async () => {
  const sec = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(sec, 'secadmin');
  await sec.goto(`${base}/admin/systems`);
  const seeded = await sec.$$eval('#systems tbody tr', (r) => r.length);
  assert.ok(seeded >= 4, 'the demo has connected systems');
  assert.match(await sec.textContent('#systems'), /已吊销/);
  await sec.fill('#system-name', '西湖区人民法院审判管理系统');
  await sec.selectOption('#system-org', { label: '杭州市西湖区人民法院' });
  await Promise.all([sec.waitForLoadState('load'), sec.click('#system-form button[type=submit]')]);
  const token = (await sec.textContent('#issued-token pre')).trim();
  assert.match(token, /^tps_/);
  await sec.screenshot({ path: join(artifacts, '28-systems-issued.png'), fullPage: true });
  // The agency's system posts with the token alone (no cookie, no CSRF token).
  const post = () => fetch(`${base}/api/v1/events/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '[]',
  });
  assert.equal((await post()).status, 200);
  await sec.goto(`${base}/admin/systems`);
  assert.equal(await sec.$('#issued-token'), null, 'the token is shown only once');
  const row = sec.locator('#systems tbody tr', { hasText: '西湖区人民法院审判管理系统' });
  assert.doesNotMatch(await row.textContent(), /从未调用/);
  await Promise.all([sec.waitForURL(/\/admin\/systems$/), row.locator('button').click()]);
  assert.match(await sec.locator('#systems tbody tr', { hasText: '西湖区人民法院审判管理系统' }).textContent(), /已吊销/);
  assert.equal((await post()).status, 401);
  await sec.screenshot({ path: join(artifacts, '29-systems-revoked.png'), fullPage: true });
  await sec.close();
});

test('三员分立: the system administrator opens an account, the security administrator grants it, then it logs in', async () => {
  const admin = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(admin, 'sysadmin');
  await admin.goto(`${base}/admin/users`);
  // A bad username is refused next to its field, keeping what was typed.
  await admin.fill('#open-username', 'Bad Name');
  await admin.fill('#open-name', '郑书记员');
  // The unit picker is a tree: a county's court is indented under its city.
  await admin.selectOption('#open-org', { label: '\u3000\u3000杭州市西湖区人民法院' });
  await admin.selectOption('#open-role', 'judge');
  await admin.fill('#open-password', 'Clerk-pass-2026');
  await Promise.all([admin.waitForLoadState('load'), admin.click('#open-form button[type=submit]')]);
  assert.match(await admin.textContent('#open-form'), /用户名须为/);
  assert.equal(await admin.inputValue('#open-name'), '郑书记员');
  await admin.fill('#open-username', 'zheng_clerk');
  await admin.fill('#open-password', 'Clerk-pass-2026');
  await Promise.all([admin.waitForLoadState('load'), admin.click('#open-form button[type=submit]')]);
  assert.match(await admin.textContent('#users-notice'), /须经安全管理员授予角色/);
  const row = admin.locator('#users tbody tr[data-username=zheng_clerk]');
  assert.match(await row.textContent(), /待授权/);
  assert.equal(await row.locator('details.grant').count(), 0, 'the system administrator grants nothing');
  await admin.screenshot({ path: join(artifacts, '33-users-opened.png'), fullPage: false });
  await admin.close();
  // Not granted yet: the right password learns only that.
  const clerk = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await clerk.goto(`${base}/login`);
  await clerk.fill('#username', 'zheng_clerk');
  await clerk.fill('#password', 'Clerk-pass-2026');
  await Promise.all([clerk.waitForLoadState('load'), clerk.click('button[type=submit]')]);
  assert.match(await clerk.textContent('[role=alert]'), /尚未经安全管理员授予角色/);
  const sec = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(sec, 'secadmin');
  await sec.goto(`${base}/`);
  assert.match(await sec.textContent('#todo-grant_account'), /zheng_clerk/, 'the grant is on the home page (待办)');
  await sec.goto(`${base}/admin/users`);
  assert.equal(await sec.$('#open-form'), null, 'the security administrator opens no account');
  const srow = sec.locator('#users tbody tr[data-username=zheng_clerk]');
  await srow.locator('select[name=role]').selectOption('judge');
  await srow.locator('input[name=minors]').check();
  await sec.screenshot({ path: join(artifacts, '34-users-grant.png'), fullPage: false });
  await Promise.all([sec.waitForLoadState('load'), srow.locator('.grant-form button[type=submit]').click()]);
  assert.match(await sec.textContent('#users-notice'), /已为“zheng_clerk”授予角色和密级/);
  assert.match(await sec.locator('#users tbody tr[data-username=zheng_clerk]').textContent(), /涉未成年人/);
  await sec.close();
  await clerk.fill('#username', 'zheng_clerk');
  await clerk.fill('#password', 'Clerk-pass-2026');
  await Promise.all([clerk.waitForURL(/\/todo/), clerk.click('button[type=submit]')]);
  await clerk.close();
  // The auditor sees both acts.
  const aud = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(aud, 'auditor');
  await aud.goto(`${base}/audit/reads`);
  const acts = await aud.textContent('#admin-actions');
  assert.match(acts, /开设账号/);
  assert.match(acts, /授予角色和密级/);
  await aud.close();
});

test('a person who lost their password: the system administrator sets a temporary one, and they must choose their own first', async () => {
  const admin = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(admin, 'sysadmin');
  await admin.goto(`${base}/admin/users?q=zheng_clerk`);
  const row = () => admin.locator('#users tbody tr[data-username=zheng_clerk]');
  await row().locator('details.reset-password summary').click();
  // Two different entries: refused next to the field, the form open again, nothing typed shown.
  await row().locator('.reset-form input[name=new_password]').fill('Temp-Reset-2026');
  await row().locator('.reset-form input[name=repeat_password]').fill('Temp-Reset-2025');
  await Promise.all([admin.waitForLoadState('load'), row().locator('.reset-form button[type=submit]').click()]);
  assert.match(await row().locator('.reset-form').textContent(), /两次输入的新密码不一致/);
  assert.equal(await row().locator('.reset-form input[name=new_password]').inputValue(), '');
  assert.ok(await row().locator('details.reset-password').evaluate((d) => d.open), 'the refused form stays open');
  await row().locator('.reset-form input[name=new_password]').fill('Temp-Reset-2026');
  await row().locator('.reset-form input[name=repeat_password]').fill('Temp-Reset-2026');
  await Promise.all([admin.waitForLoadState('load'), row().locator('.reset-form button[type=submit]').click()]);
  assert.match(await admin.textContent('#users-notice'), /已为“zheng_clerk”设置临时密码/);
  assert.match(await row().textContent(), /待改密/);
  await admin.screenshot({ path: join(artifacts, '35-users-password-reset.png'), fullPage: false });
  await admin.close();
  // The clerk logs in with it and lands on 账户安全, told why; other pages lead back there.
  const clerk = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await clerk.goto(`${base}/login`);
  await clerk.fill('#username', 'zheng_clerk');
  await clerk.fill('#password', 'Temp-Reset-2026');
  await Promise.all([clerk.waitForURL(/\/account\/security/), clerk.click('button[type=submit]')]);
  assert.match(await clerk.textContent('#password-required'), /系统管理员已为您设置临时密码/);
  await clerk.goto(`${base}/cases`);
  assert.match(clerk.url(), /\/account\/security/);
  await clerk.screenshot({ path: join(artifacts, '36-password-required.png'), fullPage: false });
  await clerk.fill('#current-password', 'Temp-Reset-2026');
  await clerk.fill('#new-password', 'Xihu-clerk-own-2026');
  await clerk.fill('#repeat-password', 'Xihu-clerk-own-2026');
  await Promise.all([clerk.waitForLoadState('load'), clerk.click('#password-submit')]);
  assert.match(await clerk.textContent('#password-notice'), /密码已修改/);
  assert.equal(await clerk.$('#password-required'), null);
  await clerk.goto(`${base}/todo`);
  assert.match(clerk.url(), /\/todo/);
  await clerk.close();
});

test('the system administrator imports a newly published year; bad input changes nothing', async () => {
  const admin = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await loginAny(admin, 'sysadmin');
  await admin.goto(`${base}/admin/calendar`);
  const years = await admin.$$eval('#calendar-years tbody tr td:first-child', (t) => t.map((x) => x.textContent));
  assert.equal(years[0], '2026', 'the built-in calendar ends with 2026');
  // Entered as the State Council's notice states it, not as a file. A last day before the first:
  // refused next to the field, everything typed kept.
  assert.equal(await admin.inputValue('#notice-year'), '2027', 'the next year is offered');
  await admin.fill('#notice-from-1', '2027-02-10');
  await admin.fill('#notice-to-1', '2027-02-04');
  await Promise.all([admin.waitForLoadState('load'), admin.click('#notice-submit')]);
  assert.match(await admin.textContent('#notice-rows tbody tr:nth-child(2) .field-error:not(:empty)'), /春节的放假结束日期 2027-02-04 早于开始日期 2027-02-10/);
  assert.equal(await admin.inputValue('#notice-from-1'), '2027-02-10');
  await admin.screenshot({ path: join(artifacts, '10-calendar-refused.png') });
  // A make-up working day that is a weekday: refused, naming the year and the date.
  await admin.fill('#notice-from-1', '');
  await admin.fill('#notice-to-1', '');
  await admin.fill('#notice-from-0', '2027-01-01');
  await admin.fill('#notice-to-0', '2027-01-08');
  await admin.fill('#notice-work-0', '1月5日');
  await Promise.all([admin.waitForLoadState('load'), admin.click('#notice-submit')]);
  assert.match(await admin.textContent('#calendar-error'), /2027 年：日期 2027-01-05 列为调休上班日，但不是星期六或星期日/);
  assert.equal(await admin.inputValue('#notice-work-0'), '1月5日', 'what was typed is kept');
  assert.equal((await admin.$$eval('#calendar-years tbody tr', (r) => r.length)), years.length, 'nothing imported');
  // 元旦 as a week off: before anything is saved, the due dates it moves are listed.
  await admin.fill('#notice-work-0', '');
  await Promise.all([admin.waitForLoadState('load'), admin.click('#notice-submit')]);
  assert.match(await admin.textContent('#calendar-confirm h2'), /导入 2027 年节假日安排前，请确认届满日的变化/);
  assert.ok(await admin.locator('#calendar-moved tbody tr').count() > 0, 'the moved due dates are listed');
  assert.equal((await admin.$$eval('#calendar-years tbody tr', (r) => r.length)), years.length, 'nothing saved yet');
  await admin.screenshot({ path: join(artifacts, '10-calendar-confirm.png') });
  await admin.click('#calendar-confirm-button');
  assert.match(await admin.textContent('#calendar-done'), /已导入 2027 年节假日安排；重新计算 \d+ 件未结案件/);
  assert.equal(await admin.$eval('#calendar-years tbody tr:first-child td', (t) => t.textContent), '2027');
  await admin.screenshot({ path: join(artifacts, '10-calendar.png') });
  await admin.close();
});

test('the auditor checks the ledger: proofs verify, a kept checkpoint is consistent, a forged one is refused', async () => {
  // Nobody else sees the ledger — not a judge, not even the system administrator (三员).
  for (const who of ['judge', 'sysadmin']) {
    const p = await browser.newPage();
    await loginAny(p, who);
    const r = await p.goto(`${base}/ledger`);
    assert.equal(r.status(), 403, `${who} is refused`);
    await p.close();
  }
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await loginAny(page, 'auditor');
  // The administrators' acts and the confidential reads (审计记录).
  await page.goto(`${base}/audit/reads`);
  assert.match(await page.textContent('#admin-actions'), /签发业务系统接入凭据/);
  await page.screenshot({ path: join(artifacts, '31-audit.png'), fullPage: false });
  await page.goto(`${base}/home`);
  await Promise.all([page.waitForURL(/\/ledger$/), page.click('nav a[href="/ledger"]')]);
  const size = Number(await page.textContent('#ledger-size'));
  assert.ok(size > 1000, `the demo's writes are in the log (${size} leaves)`);
  const row = await page.textContent('#ledger-checkpoints tbody tr:first-child');
  assert.match(row, /有效/, 'the demo signed a checkpoint with the ledger key');
  assert.match(row, /杭州市人大常委会[\s\S]*中共杭州市委政法委员会/, 'the city\'s 人大 and 政法委 cosigned it as witnesses');
  assert.match(await page.textContent('#ledger-witnesses'), /杭州市人大常委会\+/, 'their public keys are listed');
  await page.screenshot({ path: join(artifacts, '11-ledger.png'), fullPage: true });

  // The newest leaf: its inclusion proof verifies against the head.
  await Promise.all([page.waitForURL(/\/ledger\/leaves\/\d+$/), page.click('#ledger-recent tbody tr:first-child a')]);
  assert.match(await page.textContent('#leaf-verdict'), /验证通过/);
  await page.screenshot({ path: join(artifacts, '12-ledger-leaf.png'), fullPage: true });

  // Look up a record: event 1 has exactly its leaf, which is in the signed checkpoint.
  await page.goto(`${base}/ledger`);
  await page.selectOption('#ledger-find select[name=table]', 'events');
  await page.fill('#ledger-find input[name=key]', '1');
  await Promise.all([page.waitForURL(/\/ledger\/leaves\/\d+$/), page.click('#ledger-find button[type=submit]')]);
  assert.match(await page.textContent('#leaf-facts'), /events\/1\b/);
  assert.match(await page.textContent('#leaf-against'), /包含于该检查点/);
  // Who did what to that case, beside the hashes: every write, oldest first, each with its leaf.
  await Promise.all([page.waitForURL(/\/ledger\/case\?number=/), page.click('#leaf-case-trail')]);
  const trail = await page.$$eval('#ledger-case-trail tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  assert.ok(trail.length >= 2, `the case's writes (${trail.length})`);
  assert.ok(trail.every(([when, who, what]) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(when) && who && what), JSON.stringify(trail.slice(0, 3)));
  assert.ok(trail.some(([, , what]) => what === '程序事件入库'), 'its events');
  await page.screenshot({ path: join(artifacts, '12-ledger-case-trail.png'), fullPage: true });

  // A supervising body pastes the checkpoint it kept: consistent. A forged copy is refused.
  await page.goto(`${base}/ledger`);
  const id = (await page.textContent('#ledger-checkpoints tbody tr:first-child td:first-child')).replace('#', '').trim();
  const note = await (await page.request.get(`${base}/ledger/checkpoints/${id}`)).text();
  await page.fill('#ledger-witness textarea', note);
  await page.click('#ledger-witness button[type=submit]');
  assert.match(await page.textContent('#witness-result'), /^一致/);
  await page.screenshot({ path: join(artifacts, '13-ledger-witness.png') });
  const forged = note.replace(/\n(\d+)\n/, (_, n) => `\n${Number(n) + 1}\n`);
  await page.fill('#ledger-witness textarea', forged);
  await page.click('#ledger-witness button[type=submit]');
  assert.match(await page.textContent('#witness-result'), /签名校验未通过/);

  // Registering witnesses' cosignatures: the stored note again changes nothing; the log's
  // signature alone (no witness line) is refused next to the field, the text kept.
  await page.fill('#ledger-cosign textarea', note);
  await page.click('#ledger-cosign button[type=submit]');
  assert.match(await page.textContent('#cosign-result'), /已有这些见证签名，未作改动/);
  const logOnly = note.split('\n').filter((l) => !/^— (杭州市人大常委会|中共杭州市委政法委员会) /.test(l)).join('\n');
  await page.fill('#ledger-cosign textarea', logOnly);
  await page.click('#ledger-cosign button[type=submit]');
  assert.match(await page.textContent('#cosign-result'), /检查点上没有已登记见证机构（杭州市人大常委会、中共杭州市委政法委员会）的签名/);
  assert.equal((await page.inputValue('#ledger-cosign textarea')).trim(), logOnly.trim(), 'the pasted text is kept for correction');
  await page.screenshot({ path: join(artifacts, '13-ledger-cosign.png'), fullPage: false });
  await page.close();
});

// The text of the shared strings of an .xlsx (a zip): enough to check what a sheet contains.
function xlsxStrings(buf) {
  return zipText(buf, ['xl/sharedStrings', 'xl/worksheets/']);
}

// The text of a .docx's document part.
function docxDocument(buf) {
  return zipText(buf, ['word/document.xml']);
}

// The text of the entries of a zip archive whose names start with one of the prefixes.
function zipText(buf, prefixes) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  assert.ok(eocd >= 0, 'a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  let text = '';
  for (let i = 0; i < count; i += 1) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString();
    if (prefixes.some((x) => name.startsWith(x))) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      text += (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return text;
}

test('a 政法委 user refers a problem to the 人大; it is accepted, rectified, verified, closed (销号) and in the exported 台账', async () => {
  const subject = `上城法院执行款发放迟延问题 ${Date.now() % 100000}`;
  const plc = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(plc, 'plc');
  // 双向移送 sits in the 监督 menu: it opens on hover.
  await plc.hover('nav .menu[data-menu="监督"]');
  await Promise.all([plc.waitForURL(/\/referrals$/), plc.click('nav .sub a[href="/referrals"]')]);
  await plc.selectOption('#referral-to', 'pc-3301');
  await plc.selectOption('#referral-responsible', 'court-330102');
  await plc.fill('#referral-subject', subject);
  await plc.fill('#referral-content', '群众来信反映执行款到账后三个月仍未发放给申请执行人。');
  await Promise.all([plc.waitForURL(/\/referrals\/\d+$/), plc.click('#referral-send')]);
  const referralUrl = plc.url();
  assert.match(await plc.textContent('#referral-state'), /已移送待签收/);
  await plc.screenshot({ path: join(artifacts, '14-referral-sent.png'), fullPage: true });

  // The 杭州 人大 signs for it and accepts it: a supervision item assigned to the 上城 court.
  const npc = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(npc, 'npc_hz');
  await npc.goto(`${base}/referrals`);
  assert.match(await npc.textContent('#referrals'), new RegExp(subject), 'the referral arrives in the 人大\'s list');
  await npc.goto(referralUrl);
  await Promise.all([npc.waitForLoadState('load'), npc.click('#rdo-acknowledge')]);
  assert.match(await npc.textContent('#referral-state'), /已签收待决定/);
  await Promise.all([npc.waitForLoadState('load'), npc.click('#rdo-accept')]);
  assert.match(await npc.textContent('#referral-state'), /已受理办理中/);
  await Promise.all([npc.waitForURL(/\/supervision\/\d+$/), npc.click('#referral-item')]);
  const itemUrl = npc.url();
  assert.match(await npc.textContent('#item-state'), /已交办/);
  assert.match(await npc.textContent('#item-responsible'), /上城区人民法院/);

  // The court's judge takes it up, uploads evidence and submits; cannot verify their own work.
  const judge = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  await judge.goto(itemUrl);
  await Promise.all([judge.waitForLoadState('load'), judge.click('#do-accept')]);
  assert.match(await judge.textContent('#item-state'), /整改中/);
  await judge.setInputFiles('#evidence-file', { name: '执行款发放凭证.txt', mimeType: 'text/plain', buffer: Buffer.from('2026年11月已发放执行款 120,000 元。') });
  await Promise.all([judge.waitForLoadState('load'), judge.click('#evidence-upload')]);
  assert.match(await judge.textContent('#evidence-list'), /执行款发放凭证\.txt/);
  await judge.fill('#note-submit', '执行款已全部发放，附发放凭证。');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#do-submit')]);
  assert.match(await judge.textContent('#item-state'), /待核验/);
  assert.equal(await judge.locator('#do-verify').count(), 0, 'the rectifier has no verify button');
  const refused = await judge.request.post(`${base}/api/v1/supervision/items/${itemUrl.split('/').pop()}/actions`, {
    headers: { 'x-csrf-token': await judge.inputValue('input[name=csrf]') },
    data: { action: 'verify' },
  });
  assert.equal(refused.status(), 403, 'verifying one\'s own rectification is refused');
  assert.equal((await refused.json()).error.code, 'not_opener_side');
  await judge.screenshot({ path: join(artifacts, '15-item-submitted.png'), fullPage: true });

  // The 人大 verifies and closes it (销号).
  await npc.goto(itemUrl);
  await Promise.all([npc.waitForLoadState('load'), npc.click('#do-verify')]);
  assert.match(await npc.textContent('#item-state'), /已核验/);
  await Promise.all([npc.waitForLoadState('load'), npc.click('#do-close')]);
  assert.match(await npc.textContent('#item-state'), /已销号/);
  const steps = await npc.$$eval('#steps li strong', (s) => s.map((x) => x.textContent));
  assert.deepEqual(steps, ['立项', '交办', '签收并开始整改', '提交整改情况', '核验通过', '销号']);
  await npc.screenshot({ path: join(artifacts, '16-item-closed.png'), fullPage: true });

  // The result goes back to the 政法委, which accepts it without re-checking.
  await npc.goto(referralUrl);
  await npc.fill('#rnote-share_result', '已督促整改并销号，执行款已发放。');
  await Promise.all([npc.waitForLoadState('load'), npc.click('#rdo-share_result')]);
  await plc.goto(referralUrl);
  await Promise.all([plc.waitForLoadState('load'), plc.click('#rdo-accept_result')]);
  assert.match(await plc.textContent('#referral-state'), /结果已采信/);

  // The 人大's 整改台账 lists it as closed, and the Excel export contains it.
  await npc.goto(`${base}/supervision`);
  const row = npc.locator('#items tbody tr', { hasText: subject });
  assert.match(await row.textContent(), /已销号/);
  await npc.screenshot({ path: join(artifacts, '17-rectification-ledger.png'), fullPage: true });
  const [download] = await Promise.all([npc.waitForEvent('download'), npc.click('#export-ledger')]);
  const file = join(dataDir, 'ledger.xlsx');
  await download.saveAs(file);
  const text = xlsxStrings(readFileSync(file));
  assert.ok(text.includes(subject), 'the exported 台账 holds the item');
  assert.ok(text.includes('已销号') && text.includes('整改台账'), 'with its state and title');
  for (const p of [plc, npc, judge]) await p.close();
});

test('四类案件 on the case page: a manual flag with its reason, a president\'s act refused when it would change the panel\'s decision', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(page, 'president');
  await page.goto(`${base}/cases`);
  const href = await page.getAttribute('table.cases tbody tr:first-child td:first-child a', 'href');
  await page.goto(`${base}${href}`);
  await page.selectOption('#flag-situation', '1.fact_or_law_dispute');
  await page.fill('#flag-reason', '对法律适用存在较大争议');
  await Promise.all([page.waitForLoadState('load'), page.click('#flag-submit')]);
  assert.match(await page.textContent('#flags'), /对事实认定或者法律适用存在较大争议/);
  await page.selectOption('#act-kind', 'change_decision');
  await page.fill('#act-content', '改判驳回诉讼请求');
  await Promise.all([page.waitForLoadState('load'), page.click('#act-submit')]);
  assert.match(await page.textContent('body'), /院庭长不得直接改变合议庭/);
  await page.goto(`${base}${href}`);
  assert.match(await page.textContent('#act-list'), /系统已拒绝并记录/);
  assert.match(await page.textContent('#interference-mark'), /过问干预记录 \d+ 条/);
  await page.screenshot({ path: join(artifacts, '18-case-supervision.png'), fullPage: true });
  await page.close();
});

test('the case office opens a supervision item straight from an overdue warning', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(page, 'caseoffice');
  await page.goto(`${base}/warnings?category=overdue`);
  const number = (await page.textContent('#board tbody tr:first-child td:first-child a')).trim();
  const court = (await page.textContent('#board tbody tr:first-child td:nth-child(3)')).trim();
  await Promise.all([page.waitForURL(/\/supervision\?/), page.click('#board tbody tr:first-child a:text("立督办")')]);
  assert.equal(await page.inputValue('#item-source'), 'overdue_clock');
  assert.equal(await page.inputValue('#item-case'), number);
  assert.match(await page.inputValue('#item-title'), /已超期/);
  // The case's own court is offered as responsible, in a tree of the city's courts.
  const chosen = await page.$eval('#item-responsible', (s) => s.selectedOptions[0].textContent);
  assert.ok(chosen.trim() && court.startsWith(chosen.trim()), `the case's court: ${chosen} for ${court}`);
  await Promise.all([page.waitForURL(/\/supervision\/\d+$/), page.click('#item-open')]);
  assert.match(await page.textContent('#item-state'), /已交办/);
  assert.match(await page.textContent('body'), new RegExp(number.replace(/[()（）]/g, '.')));
  await page.close();
});

test('the case office reads the quality dashboard, changes scope and period, and drills into a number', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  await login(page, 'caseoffice');
  await Promise.all([page.waitForURL(/\/quality/), page.click('nav a[href="/quality"]')]);
  assert.ok(await page.locator('#tiles section.tile').count() >= 12, 'a tile per metric');
  assert.match(await page.textContent('section[data-metric=closure_to_intake] details'), /结案 ÷ 新收/);
  // The city's basic courts side by side, ranked; the table scrolls inside its box, not the page.
  const compared = await page.locator('#compare tbody tr').count();
  assert.ok(compared >= 5, `basic courts compared (${compared})`);
  assert.ok(await page.locator('#compare td.standing-better').count() > 0, 'the best third marked');
  assert.ok(await page.locator('#compare td.standing-worse').count() > 0, 'the worst third marked');
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'the dashboard fits 1280 px');
  await page.locator('#compare').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, '19-quality-compare.png') });
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.selectOption('#metrics-org', 'court-330102');
  await page.fill('#metrics-from', '2025-01-01');
  await page.fill('#metrics-to', '2025-12-31');
  await Promise.all([page.waitForURL(/org=court-330102/), page.click('#metrics-apply')]);
  assert.match(await page.textContent('h1'), /上城区人民法院/);
  const link = page.locator('section[data-metric=received] .parts a').first();
  const shown = Number(await link.locator('b').textContent());
  assert.ok(shown > 0, 'the court received cases in 2025');
  // The chart has labelled axes.
  const labels = await page.$$eval('#pendency-chart text.axis-label', (t) => t.map((x) => x.textContent));
  assert.deepEqual(labels, ['案件数（件）', '已审理时长（自立案日起）']);
  await page.screenshot({ path: join(artifacts, '19-quality-dashboard.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/quality\/cases/), link.click()]);
  assert.match(await page.textContent('#drill-title'), new RegExp(`新收：${shown} 件`));
  assert.equal(await page.locator('#drill-cases tbody tr').count(), Math.min(shown, 100), 'a page of at most 100 cases');
  const numbers = await page.$$eval('#drill-cases tbody td:first-child a', (as) => as.map((a) => a.textContent));
  assert.ok(numbers.every((n) => n.includes('浙0102')), 'only 上城 cases');
  // One court's cases read as a register: by filing day.
  const filed = await page.$$eval('#drill-cases tbody td:nth-child(4)', (tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual(filed, [...filed].sort(), 'by filing day');
  await page.screenshot({ path: join(artifacts, '20-quality-drilldown.png') });
  // The whole city's intake is paged, not thousands of rows at once: 100 a page, and the last
  // page holds the rest, so every case is listed.
  await page.goto(`${base}/quality/cases?org=court-3301&from=2025-01-01&to=2025-12-31&counter=received`);
  const cityShown = Number((await page.textContent('#drill-title')).match(/(\d+) 件/)[1]);
  assert.ok(cityShown > 100, `the city received more than a page (${cityShown})`);
  assert.equal(await page.locator('#drill-cases tbody tr').count(), 100);
  const pages = Math.ceil(cityShown / 100);
  await page.fill('#page-jump input[name=page]', String(pages));
  await Promise.all([page.waitForURL(new RegExp(`page=${pages}`)), page.click('#page-jump button')]);
  assert.equal(await page.locator('#drill-cases tbody tr').count(), cityShown - (pages - 1) * 100, 'the last page');
  assert.equal((await page.textContent('#pager strong[aria-current]')).trim(), String(pages));
  await page.screenshot({ path: join(artifacts, '20-quality-drilldown-last-page.png') });
  await page.goBack();
  await page.goBack();
  await page.goBack();
  await Promise.all([page.waitForURL(/\/quality\/report/), page.click('#metrics-report')]);
  assert.match(await page.textContent('#report-title'), /上城区人民法院[\s\S]*审判执行质效与监督工作报告/);
  assert.ok(await page.locator('#report-metrics tbody tr').count() >= 12);
  await page.screenshot({ path: join(artifacts, '21-quarterly-report.png'), fullPage: true });
  // The same report as a Word document in 公文 form: title, 主送机关, tables, a Chinese date.
  const [doc] = await Promise.all([page.waitForEvent('download'), page.click('#report-docx')]);
  assert.match(doc.suggestedFilename(), /\.docx$/);
  const reportXml = docxDocument(readFileSync(await doc.path()));
  assert.ok(reportXml.includes('审判执行质效与监督工作报告'), 'the title');
  assert.ok(reportXml.includes('人大常委会、党委政法委：'), '主送机关');
  assert.ok((reportXml.match(/<w:tbl>/g) ?? []).length >= 2, 'the metrics and the pendency as tables');
  assert.match(reportXml, /\d{4}年[1-9]\d?月[1-9]\d?日/);
  await page.close();
});

test('a judge opens the judgment library, filters by charge and reads what was taken from a judgment', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(page, 'judge');
  await page.hover('nav .menu[data-menu="案件"]');
  await Promise.all([page.waitForURL(/\/judgments/), page.click('nav .sub a[href="/judgments"]')]);
  assert.match(await page.textContent('main, body'), /共 456 篇/);
  await page.fill('#judgments-charge', '危险驾驶罪');
  await Promise.all([page.waitForURL(/charge=/), page.click('#judgments-apply')]);
  const rows = await page.locator('#judgments tbody tr').count();
  assert.ok(rows > 0 && rows <= 50, `some 危险驾驶 judgments on the first page (${rows})`);
  const charges = await page.$$eval('#judgments tbody td:last-child', (t) => t.map((x) => x.textContent));
  assert.ok(charges.every((c) => c.includes('危险驾驶罪')), 'only that charge');
  await Promise.all([page.waitForURL(/\/judgments\/\d+$/), page.locator('#judgments tbody a').first().click()]);
  assert.match(await page.textContent('#judgment-articles'), /《刑法》第133条之一/);
  assert.match(await page.textContent('#judgment-sentences'), /拘役/);
  await page.screenshot({ path: join(artifacts, '22-judgment.png'), fullPage: false });
  await page.close();
});

test('a judge retrieves similar cases for a criminal case, annotates two, saves the 类案检索报告 and prints it', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(page, 'judge');
  await page.goto(`${base}/cases?type_code=${encodeURIComponent('刑初')}&status=closed`);
  // A case without a confidentiality mark: the annotations of a 保密 case are shown redacted.
  const open = page.locator('table.cases tbody tr').filter({ hasNot: page.locator('span.tag.secret') }).first();
  await Promise.all([page.waitForURL(/\/cases\/\d+$/), open.locator('td:first-child a').click()]);
  const caseUrl = page.url();
  // The first search waits until the index has taken in the demo's judgments (built in the
  // background at start-up), which a debug build on a busy machine can take a minute to do.
  await Promise.all([page.waitForURL(/\/similar/, { timeout: 180_000 }), page.click('#similar-open', { timeout: 180_000 })]);
  const charges = await page.inputValue('#similar-charges');
  assert.ok(charges.length > 0, 'the query starts from the case\'s charges');
  await page.fill('#similar-facts', '被告人饮酒后驾驶机动车在道路上行驶，被民警查获，经鉴定血液中乙醇含量超过80mg/100ml');
  await Promise.all([page.waitForLoadState('load'), page.click('#similar-run')]);
  const results = page.locator('#similar-results li.similar-result');
  assert.ok(await results.count() >= 2, 'similar judgments are listed');
  const why = await results.first().locator('.why').textContent();
  assert.match(why, /本案事实要素见于该案 \d+%/, `the share of the case's facts is shown: ${why}`);
  assert.match(why, /共同事实：[^；]*乙醇/, `the shared facts are named: ${why}`);
  assert.match(why, /基层法院（与本案同级）/, `the court level is compared: ${why}`);
  assert.match(await results.first().locator('.outcome').textContent(), /裁判结果/);
  await page.screenshot({ path: join(artifacts, '23-similar.png'), fullPage: false });
  await results.nth(0).locator('input[value=refer]').check();
  await results.nth(0).locator('input.note').fill('案情和情节相近，可参照');
  await results.nth(1).locator('input[value=not_refer]').check();
  await results.nth(1).locator('input.note').fill('罪名不同，不参照');
  await Promise.all([page.waitForURL(/\/similar\/reports\/\d+$/), page.click('#similar-save')]);
  assert.match(await page.textContent('#report-rerun'), /结果与本报告一致/);
  const annotations = await page.$$eval('#report-results td.annotation', (t) => t.map((x) => x.textContent));
  assert.match(annotations[0], /^参照：案情和情节相近/);
  assert.match(annotations[1], /^不参照：罪名不同/);
  // The judge's own 检索结论 under the generated one: an empty one is refused beside the field.
  await Promise.all([page.waitForLoadState('load'), page.click('#conclusion-save')]);
  assert.match(await page.textContent('#conclusion-error'), /请写明检索结论/);
  await page.fill('#conclusion-body', '第1号案件与本案均系醉酒驾驶、血液酒精含量相近，量刑予以参照；第2号案件罪名不同，不予参照。');
  await Promise.all([page.waitForURL(/#conclusion$/), page.click('#conclusion-save')]);
  assert.match(await page.textContent('#judge-conclusion'), /承办法官意见：第1号案件与本案均系醉酒驾驶/);
  await page.locator('#conclusion').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, '24a-similar-conclusion.png'), fullPage: false });
  await Promise.all([page.waitForURL(/print=1/), page.click('#report-print')]);
  assert.match(await page.textContent('article.report'), /承办法官意见：第1号案件/);
  assert.ok(await page.locator('article.report.print').isVisible(), 'the print view renders the report');
  assert.ok(!(await page.locator('header.topbar').isVisible()), 'without the navigation');
  assert.match(await page.textContent('article.report'), /排序方法/);
  await page.screenshot({ path: join(artifacts, '24-similar-report-print.png'), fullPage: true });
  await page.goto(caseUrl);
  assert.match(await page.textContent('#similar-reports'), /类案检索报告 #\d+/);
  await page.screenshot({ path: join(artifacts, '25-case-similar.png'), fullPage: true });
  await page.close();
});

test('a sentence outside its similar cases raises a 量刑偏离预警; the president signs for it on the case page', async () => {
  const judge = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  const csrf = await csrfOf(judge);
  const number = '（2026）浙0102刑初9901号';
  const record = (body) => judge.request.post(`${base}/api/v1/events`, {
    headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    data: JSON.stringify({ source: 'e2e-cms', case_number: number, ...body }),
  });
  // 危险驾驶 is punished by 拘役 of at most six months: a year lies above every similar judgment.
  let r = await record({ source_event_id: 'dev-1', occurred_at: '2026-10-09T09:00:00+08:00', kind: 'filed',
    cause: '危险驾驶罪', charges: ['危险驾驶罪'], parties: [{ name: '赵某', role: '被告人' }] });
  assert.equal(r.status(), 201, await r.text());
  r = await record({ source_event_id: 'dev-2', occurred_at: '2026-11-20T09:00:00+08:00', kind: 'closed',
    disposition: 'judgment', sentence_months: 12 });
  assert.equal(r.status(), 201, await r.text());

  const president = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  await login(president, 'president');
  // The server sweeps the newly decided cases every 20 seconds.
  let warning;
  for (let i = 0; i < 90 && !warning; i++) {
    const open = await (await president.request.get(`${base}/api/v1/deviation-warnings`)).json();
    warning = open.warnings.find((w) => w.case_number === number);
    if (!warning) await new Promise((res) => setTimeout(res, 1000));
  }
  assert.ok(warning, 'the sweep raised a warning for the case');
  assert.equal(warning.charge, '危险驾驶罪');
  assert.equal(warning.decided_months, 12);
  assert.equal(warning.above, true);
  assert.ok(warning.range_months[1] <= 6, `the similar judgments' range ${warning.range_months}`);

  await president.goto(`${base}/warnings`);
  await Promise.all([president.waitForURL(/view=deviation/), president.click('#deviation-view')]);
  assert.match(await president.textContent('#deviations'), /量刑偏离预警（未签收 \d+）/);
  const row = president.locator('#deviation-board tbody tr', { hasText: number });
  assert.match(await row.textContent(), /危险驾驶罪判处 1年，高于/);
  await president.screenshot({ path: join(artifacts, '26-deviation-board.png'), fullPage: true });

  // The judge sees the warning on the case page but cannot sign for it.
  await judge.goto(`${base}/cases/${warning.case_id}`);
  assert.match(await judge.textContent('#deviation-warnings'), /待审管办签收/);
  assert.equal(await judge.locator(`#deviation-ack-${warning.id}`).count(), 0);
  const forbidden = await judge.request.post(`${base}/api/v1/deviation-warnings/${warning.id}/ack`, { headers: { 'X-CSRF-Token': csrf } });
  assert.equal(forbidden.status(), 403);

  await Promise.all([president.waitForURL(/\/cases\/\d+/), row.locator('a').click()]);
  assert.match(await president.textContent('#deviation-warnings'), /量刑偏离/);
  await president.locator('#deviation-warnings').scrollIntoViewIfNeeded();
  await president.screenshot({ path: join(artifacts, '27-deviation-case.png'), fullPage: false });
  await Promise.all([president.waitForURL(/#similar$/), president.click(`#deviation-ack-${warning.id}`)]);
  assert.match(await president.textContent('#deviation-warnings'), /已签收（孙院长/);
  const after = await (await president.request.get(`${base}/api/v1/deviation-warnings`)).json();
  assert.ok(!after.warnings.some((w) => w.id === warning.id), 'a signed warning leaves the open list');
  await president.close();
  await judge.close();
});

test('类案冲突 found by the sweep: the president finds the demo\'s pending theft case flagged as a 四类案件, with the two rulings side by side', async () => {
  const president = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(president, 'president');
  // （YEAR）浙0102刑初401号, numbered in the year it was filed.
  const number = /^（\d{4}）浙0102刑初401号$/;
  // The server sweeps the pending cases every 20 seconds once the library is read.
  let flagged;
  for (let i = 0; i < 120 && !flagged; i++) {
    const listed = await (await president.request.get(`${base}/api/v1/cases?flag=four_categories&per_page=200`)).json();
    flagged = listed.items.find((c) => number.test(c.case_number));
    if (!flagged) await new Promise((res) => setTimeout(res, 1000));
  }
  assert.ok(flagged, 'the sweep flagged the pending theft case');
  await president.goto(`${base}/cases/${flagged.id}`);
  assert.match(await president.textContent('#flags'), /类案冲突|裁判结果差异较大/);
  const conflict = president.locator('#similar-conflict');
  assert.match(await conflict.textContent(), /未判处实刑/);
  assert.match(await conflict.textContent(), /实刑 \d/);
  assert.match(await president.textContent('#conflict-flagged'), /已标注为四类案件（类案冲突）.*系统类案冲突检测/);
  assert.equal(await president.locator('#conflict-flag').count(), 0, 'no second flag is offered');
  await conflict.scrollIntoViewIfNeeded();
  await president.screenshot({ path: join(artifacts, '27b-similar-conflict.png'), fullPage: false });
  await president.close();
});

test('one person across agencies: police 法制 and 侦查监督 follow a suspect from 拘留 to judgment', async () => {
  const police = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(police, 'police_legal');
  // The city bureau's 法制 unit lists 上城's police files and opens one that went to court.
  const list = await (await police.request.get(`${base}/api/v1/cases?kind=police&per_page=200`)).json();
  const shangcheng = list.items.filter((c) => c.case_number.includes('330102'));
  assert.ok(shangcheng.length > 0, `the demo has 上城 police files (${list.total} police files in 杭州)`);
  let personId = null;
  let detail = null;
  for (const c of shangcheng) {
    await police.goto(`${base}/cases/${c.id}`);
    const link = police.locator('#person-links a').first();
    if (await link.count() === 0) continue;
    const href = await link.getAttribute('href');
    const id = Number(href.split('/').pop());
    const p = await (await police.request.get(`${base}/api/v1/persons/${id}`)).json();
    if (p.path.credit) { personId = id; detail = p; break; }
  }
  assert.ok(personId, 'a 上城 suspect was indicted and judged');
  assert.match(detail.id_number, /^330102\*{8}[0-9X]{4}$/, 'the identity number is masked');
  // The police follow their suspect to the judgment; only their own file opens (with its clocks).
  assert.deepEqual(detail.path.stages.map((s) => s.name).filter((n) => n !== '退回补充侦查'), ['侦查', '审查起诉', '一审']);
  assert.equal(detail.files.length, 1);
  assert.equal(detail.other_files.length, 2);
  await police.goto(`${base}/persons/${personId}`);
  assert.match(await police.textContent('#other-files'), /人民检察院/);
  await police.screenshot({ path: join(artifacts, '28-person-police.png'), fullPage: true });

  // The 侦查监督 prosecutor reads the police file and the procuratorate's own: two stages, the
  // custody spells from 拘留 through 逮捕 to the transfer, and the days held.
  const pros = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(pros, 'prosecutor_inv');
  await pros.goto(`${base}/persons/${personId}`);
  const stages = await pros.$$eval('#stages tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
  assert.deepEqual(stages.slice(0, 2), ['侦查', '审查起诉']);
  const spells = await pros.$$eval('#spells tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
  assert.ok(spells.includes('刑事拘留') && spells.includes('逮捕羁押'), `spells: ${spells}`);
  assert.match(await pros.textContent('#custody-days'), /累计羁押 \d+ 日/);
  await pros.screenshot({ path: join(artifacts, '29-person-procuratorate.png'), fullPage: true });
  // The find form takes the number by POST; a wrong check character is refused next to the field.
  await pros.goto(`${base}/persons`);
  await pros.fill('#id-number', '330102199003071231');
  await Promise.all([pros.waitForLoadState('load'), pros.click('#find-person')]);
  assert.match(await pros.textContent('#find-error'), /校验码应为 0/);

  // The court's case office (杭州中院 scope includes 上城 court) sees the judgment and 刑期折抵.
  const court = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(court, 'caseoffice');
  await court.goto(`${base}/persons/${personId}`);
  assert.match(await court.textContent('#sentence-end'), /^\d{4}年\d{2}月\d{2}日$/);
  assert.match(await court.textContent('main'), /先行羁押一日折抵刑期一日/);
  await court.screenshot({ path: join(artifacts, '30-person-court.png'), fullPage: true });
  // Nobody reads a person without logging in.
  const anon = await fetch(`${base}/api/v1/persons/${personId}`);
  assert.equal(anon.status, 401);
  await police.close();
  await pros.close();
  await court.close();
});

test('侦查监督: the procuratorate sees a police 有案不立 warning and opens a supervision item on it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(page, 'prosecutor_inv');
  await page.goto(`${base}/warnings`);
  await Promise.all([page.waitForURL(/agency=police/), page.click('#police-tab')]);
  await page.goto(`${base}/warnings?agency=police&clock=filing_review&category=overdue`);
  const rows = page.locator('#board tbody tr');
  assert.ok(await rows.count() > 0, 'an overdue 立案审查 of a 上城 警情 is on the board');
  const number = (await rows.first().locator('td:first-child a').textContent()).trim();
  assert.match(number, /^浙公330102警〔\d{4}〕\d+号$/);
  await page.screenshot({ path: join(artifacts, '31-police-warnings.png'), fullPage: false });
  // The 警情's own page says why: 有案不立, with the rule's source.
  await Promise.all([page.waitForURL(/\/cases\/\d+$/), rows.first().locator('td:first-child a').click()]);
  const review = page.locator('section.clock[data-key="filing_review"]');
  assert.match(await review.textContent(), /有案不立/);
  await page.screenshot({ path: join(artifacts, '32-incident.png'), fullPage: true });
  // Back on the board, the prosecutor opens a 监督事项 on it.
  await page.goto(`${base}/warnings?agency=police&clock=filing_review&category=overdue`);
  await Promise.all([page.waitForURL(/\/supervision\?/), page.click('#board tbody tr:first-child a:text("立督办")')]);
  assert.equal(await page.inputValue('#item-case'), number);
  // The catalogue entry of the warning is chosen: 要求说明不立案理由, answered by the police unit.
  assert.equal(await page.inputValue('#item-catalogue'), 'filing.not_filed');
  await page.screenshot({ path: join(artifacts, '33a-catalogue-form.png'), fullPage: false });
  await Promise.all([page.waitForURL(/\/supervision\/\d+$/), page.click('#item-open')]);
  assert.match(await page.textContent('#item-state'), /已交办/);
  assert.match(await page.textContent('#item-catalogue'), /立案监督：应当立案侦查而不立案侦查/);
  assert.match(await page.textContent('#item-catalogue'), /以要求说明不立案理由向公安机关提出，7日内答复/);
  assert.match(await page.textContent('body'), /杭州市公安局上城区分局/);
  const itemUrl = page.url();
  await page.screenshot({ path: join(artifacts, '33-supervision-on-police.png'), fullPage: true });
  // The district police sign for it: the loop now runs through them.
  const officer = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(officer, 'police');
  await officer.goto(itemUrl);
  await Promise.all([officer.waitForURL(/\/supervision\/\d+$/), officer.click('#do-accept')]);
  assert.match(await officer.textContent('#item-state'), /整改中/);
  await officer.close();
  // A case the 监察委员会 transferred from 留置: the decision on 逮捕 after 先行拘留 is due within
  // 10 days, and the board shows it before it expires.
  await page.goto(`${base}/warnings?clock=coercive_measure_decision`);
  const held = page.locator('#board tbody tr');
  assert.ok(await held.count() > 0, 'the undecided 先行拘留 is on the board');
  assert.match(await held.first().textContent(), /先行拘留后强制措施决定期限|监察移送案件先行拘留后决定期限/);
  await page.screenshot({ path: join(artifacts, '33b-pre-detention.png'), fullPage: false });
  // The city procuratorate sees a district's judgment below its 量刑建议 while the 抗诉 period
  // runs: 重罪轻判, for 同步备案审查.
  const city = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(city, 'prosecutor_city');
  await city.goto(`${base}/warnings?clock=protest_period`);
  // The board names what each clock found (重罪轻判) without opening the case.
  assert.ok(await city.locator('#board span.tag.finding', { hasText: '重罪轻判' }).count() > 0, 'the finding is on the board');
  await city.screenshot({ path: join(artifacts, '33d-city-board.png'), fullPage: false });
  const protests = city.locator('#board tbody tr td:first-child a');
  const files = await protests.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(files.length > 0, 'the 上城 judgment awaiting the 抗诉 decision is on the city board');
  // The one below its 量刑建议 says so on its page.
  let protest = null;
  for (const href of files) {
    await city.goto(`${base}${href}`);
    const section = city.locator('section.clock[data-key="protest_period"]');
    if (/重罪轻判/.test(await section.textContent())) { protest = section; break; }
  }
  assert.ok(protest, 'a 重罪轻判 is among the running 抗诉 periods');
  assert.match(await protest.textContent(), /上一级人民检察院备案审查/);
  await city.screenshot({ path: join(artifacts, '33c-protest-period.png'), fullPage: true });
  await city.close();
  // A court user has no police tab and may not ask for one.
  const judge = await browser.newPage();
  await login(judge, 'judge');
  const r = await judge.request.get(`${base}/api/v1/warnings?agency=police`);
  assert.equal(r.status(), 403);
  await judge.close();
  await page.close();
});

test('警情抽查: the police 法制 unit draws a sample of the month\'s 警情 that anyone can re-draw', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(page, 'police_legal');
  await page.goto(`${base}/incidents/samples`);
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const from = new Date(Date.now() + 8 * 3600 * 1000 - 120 * 86400 * 1000).toISOString().slice(0, 10);
  // A reversed period is refused next to the form, nothing drawn.
  await page.fill('#draw-from', today);
  await page.fill('#draw-to', from);
  await Promise.all([page.waitForLoadState('load'), page.click('#draw')]);
  assert.match(await page.textContent('#draw-error'), /止日早于起日/);
  await page.fill('#draw-from', from);
  await page.fill('#draw-to', today);
  await page.fill('#draw-size', '5');
  await Promise.all([page.waitForURL(/\/incidents\/samples\/\d+$/), page.click('#draw')]);
  const id = Number(page.url().split('/').pop());
  const d = await (await page.request.get(`${base}/api/v1/incident-samples/${id}`)).json();
  assert.ok(d.pool.length >= 5, `a pool of 警情 (${d.pool.length})`);
  assert.equal(d.picked.length, 5);
  // Re-draw from the published seed and pool: SHA-256(seed + "\n" + number), smallest first.
  const place = (n) => createHash('sha256').update(`${d.seed}\n${n}`).digest('hex');
  const redrawn = [...new Set(d.pool)].sort((a, b) => (place(a) < place(b) ? -1 : 1)).slice(0, 5);
  assert.deepEqual(d.picked.map((p) => p.number), redrawn);
  const digest = createHash('sha256').update([...new Set(d.pool)].sort().map((n) => `${n}\n`).join('')).digest('hex');
  assert.equal(d.pool_digest, digest);
  await page.screenshot({ path: join(artifacts, '34-incident-sample.png'), fullPage: true });
  // Each drawn 警情 opens for checking.
  await Promise.all([page.waitForURL(/\/cases\/\d+$/), page.click('#picked li:first-child a')]);
  assert.match(await page.textContent('#case-number'), /警〔/);
  // A judge may not draw.
  const judge = await browser.newPage();
  await login(judge, 'judge');
  const csrf = await csrfOf(judge);
  const r = await judge.request.post(`${base}/api/v1/incident-samples`, { headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' }, data: { from, to: today, size: 3 } });
  assert.equal(r.status(), 403);
  await judge.close();
  await page.close();
});

test('待办: every working login lands on its own list of what waits for it, and signs from it', async () => {
  // Who must have work, and a kind of task the demo gives them.
  const expected = {
    judge: 'acknowledge_warning',
    chief: 'accept_item',
    president: 'accept_item',
    caseoffice: 'acknowledge_warning',
    president_city: 'sign_letter',
    prosecutor: 'acknowledge_warning',
    prosecutor_inv: 'accept_item',
    prosecutor_city: 'verify_item',
    police: 'acknowledge_warning',
    police_legal: 'accept_item',
    plc: 'follow_escalation',
    npc: 'assign_item',
    npc_hz: 'acknowledge_referral',
    justice: 'draw_supervisors',
    supervisor: 'answer_invitation',
  };
  for (const [i, [user, kind]] of Object.entries(expected).entries()) {
    const width = i % 2 === 0 ? 1280 : 1440;
    const page = await browser.newPage({ viewport: { width, height: width === 1280 ? 800 : 900 }, locale: 'zh-CN' });
    await loginAny(page, user);
    assert.match(page.url(), /\/todo$/, `${user} starts at 待办`);
    assert.ok(await page.$(`#todo-${kind} tbody tr`), `${user}: ${kind} listed`);
    assert.match(await page.textContent('#todo-summary'), /共 \d+ 项待办/);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    assert.equal(sideways, false, `${user}: the list fits ${width} px`);
    const bar = await page.evaluate(() => document.querySelector('header.topbar').getBoundingClientRect().height);
    assert.ok(bar < 70, `${user}: the menu fits one line at ${width} px (${bar} px high)`);
    // The API says the same.
    const api = await (await page.request.get(`${base}/api/v1/me/todo`)).json();
    assert.ok(api.counts.some((c) => c.kind === kind && c.count > 0), `${user}: ${JSON.stringify(api.counts)}`);
    if (['judge', 'police', 'plc', 'npc_hz', 'prosecutor_city'].includes(user)) {
      await page.screenshot({ path: join(artifacts, `40-todo-${user}.png`), fullPage: false });
    }
    await page.close();
  }
  // The 办案民警 signs a warning from the list and stays on it, one fewer.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  await login(page, 'police');
  const before = (await (await page.request.get(`${base}/api/v1/me/todo`)).json()).total;
  await Promise.all([page.waitForURL(/\/todo$/), page.click('#todo-acknowledge_warning tbody tr:first-child button')]);
  const after = (await (await page.request.get(`${base}/api/v1/me/todo`)).json()).total;
  assert.equal(after, before - 1, 'signed from the list');
  // The 四类案件 list: the city court's case office sees every flagged case of its courts, with
  // the court, the situations, the 院庭长 acts and the retrieval.
  const office = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  await office.hover('nav .menu[data-menu="案件"]');
  await Promise.all([office.waitForURL(/\/cases$/), office.click('nav .sub a[href="/cases"]')]);
  await Promise.all([office.waitForURL(/flag=four_categories/), office.click('#tab-four-categories')]);
  assert.match(await office.textContent('h1'), /四类案件/);
  const rows = await office.$$('table.cases tbody tr');
  assert.ok(rows.length > 0, 'flagged cases listed');
  const head = await office.textContent('table.cases thead');
  for (const col of ['承办单位', '标记情形', '院庭长监督', '类案检索']) assert.ok(head.includes(col), col);
  const listed = await (await office.request.get(`${base}/api/v1/cases?flag=four_categories&per_page=200`)).json();
  assert.ok(listed.items.every((c) => c.four_categories), 'every listed case is flagged');
  assert.ok(await office.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'fits 1280 px');
  await office.screenshot({ path: join(artifacts, '41-four-categories.png'), fullPage: false });
  await office.close();
  // An empty list says so, and what will appear there (the clerk's: the warnings go to the judge).
  const clerk = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  await loginAny(clerk, 'clerk');
  assert.match(await clerk.textContent('#todo-empty'), /目前没有等待您办理的事项/);
  await clerk.close();
  await page.close();
});

test('no developer vocabulary where a user reads: rule ids, file names, markers, version and source ids', async () => {
  // Each login walks the pages its menus and lists lead to (a few case pages each) and every
  // page's visible text is checked.
  const patterns = [
    [/\[(V|S|U)\]/, 'a source marker'],
    [/RULES\.md|DESIGN\.md|\.toml\b/, 'a file name'],
    [/\b(?:civ|crim|adm|exe|pol|pros|sup|proc|linkage)\.[a-z0-9_.]+/, 'a rule id'],
    [/\b(?:similar|metrics)-\d/, 'a version id'],
    [/\b[a-z]+_[a-z0-9_]+\b/, 'an identifier'],
    [/来源 demo|\blecard\b|BM25/, 'a source id or a formula'],
  ];
  // Login names are what people type to log in: the account pages may show them.
  const logins = new Set(['prosecutor_city', 'prosecutor_inv', 'police_legal', 'npc_hz', 'president_city', 'judge_xh']);
  const visible = (html) => html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/g, ' ')
    .replace(/[\w.+-]+@[\w.-]+/g, ' ') // mail addresses
    .replace(/(?:https?:\/\/|\/)[\w./?=&%-]+/g, ' '); // links written out in mails
  const problems = [];
  for (const user of ['judge', 'president', 'president_city', 'caseoffice', 'prosecutor_city', 'police_legal', 'plc', 'npc_hz', 'justice', 'supervisor']) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    await loginAny(page, user);
    const seen = new Set();
    const queue = ['/todo'];
    let casePages = 0;
    while (queue.length && seen.size < 60) {
      const url = queue.shift();
      if (seen.has(url)) continue;
      seen.add(url);
      const r = await page.request.get(`${base}${url}`);
      if (!r.ok() || !(r.headers()['content-type'] ?? '').includes('text/html')) continue;
      const html = await r.text();
      const text = visible(html);
      for (const [re, what] of patterns) {
        const m = text.match(re);
        if (m && !(what === 'an identifier' && logins.has(m[0]))) problems.push(`${user} ${url}: ${what} “${m[0]}”`);
      }
      for (const [, href] of html.matchAll(/href="(\/[^"#]*)"/g)) {
        const h = href.replace(/&amp;/g, '&');
        if (/^\/(assets|api|logout|ledger)|\.xlsx|export|print=|\/judgments\/\d/.test(h) || seen.has(h)) continue;
        if (/^\/cases\/\d+$/.test(h)) {
          if (casePages >= 5) continue;
          casePages += 1;
        }
        queue.push(h);
      }
    }
    assert.ok(seen.size > 10, `${user} walked ${seen.size} pages`);
    await page.close();
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('人民监督员: the justice bureau completes a draw, a supervisor accepts and files an opinion, the prosecutor answers, the auditor re-checks the draw', async () => {
  // The justice bureau's 待办 leads to the draw waiting for two parties' reveals.
  const justice = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(justice, 'justice');
  await Promise.all([justice.waitForURL(/\/supervisor-activities\/\d+/), justice.click('#todo-draw_supervisors tbody tr:has-text("待录入随机源") a')]);
  const activity = justice.url().match(/supervisor-activities\/(\d+)/)[1];
  assert.match(await justice.textContent('#standing'), /待随机源公布/);
  // A number that does not give its party's commitment is refused, next to the form.
  await justice.fill('form[data-party="上城区人大常委会"] input[name=number]', '2719');
  await Promise.all([justice.waitForLoadState('load'), justice.click('form[data-party="上城区人大常委会"] button')]);
  assert.match(await justice.textContent('#page-error'), /上城区人大常委会公开的随机数与其事先提交的承诺值不符/);
  for (const [party, n] of [['上城区人大常委会', '2718'], ['上城区司法局', '4711']]) {
    await justice.fill(`form[data-party="${party}"] input[name=number]`, n);
    await Promise.all([justice.waitForLoadState('load'), justice.click(`form[data-party="${party}"] button`)]);
  }
  assert.match(await justice.textContent('#standing'), /已抽选/);
  assert.match(await justice.textContent('.draw-key'), /^815\.2718\.4711\.\/$/);
  assert.equal((await justice.$$('table.picks tbody tr')).length, 5, 'three picks and two alternates');
  assert.equal((await justice.$$('#invitation-list tbody tr')).length, 5);
  assert.ok(await justice.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'fits 1280 px');
  await justice.screenshot({ path: join(artifacts, '50-supervisor-draw.png'), fullPage: true });
  // The year's report: activities by kind, the fairness test, each supervisor's record.
  await justice.goto(`${base}/supervisors/report`);
  assert.match(await justice.textContent('#by-kind'), /公开听证[\s\S]*合计/);
  assert.match(await justice.textContent('#fairness'), /卡方统计量 [\d.]+（自由度 \d+），p = [\d.]+/);
  const xlsx = await justice.request.get(`${base}/supervisors/report.xlsx`);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
  await justice.screenshot({ path: join(artifacts, '51-supervisor-report.png'), fullPage: true });
  await justice.close();

  // The supervisor answers her invitation from her 待办, then files an opinion on the hearing
  // she attended last month.
  const lay = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(lay, 'supervisor');
  await Promise.all([lay.waitForURL(/\/supervisor-activities\/\d+/), lay.click('#todo-answer_invitation tbody tr:first-child a')]);
  await Promise.all([lay.waitForLoadState('load'), lay.click('tr.mine button[id^="accept-"]')]);
  assert.equal((await lay.textContent('tr.mine .inv-state')).trim(), '确认参加');
  await lay.goto(`${base}/supervisor-activities`);
  assert.match(await lay.textContent('h1'), /我的监督活动/);
  await Promise.all([lay.waitForURL(/\/supervisor-activities\/\d+/), lay.click('#activities tr:has-text("赵某某涉嫌盗窃") a')]);
  assert.equal(await lay.$('a[href^="/cases/"]'), null, 'no case file for a supervisor');
  await lay.fill('#opinion-content', '建议就退赔款项的来源向被害人作出说明。');
  await Promise.all([lay.waitForLoadState('load'), lay.click('#file-opinion')]);
  assert.ok(await lay.$('section.opinion:has-text("退赔款项的来源")'), 'the opinion is on file');
  await lay.screenshot({ path: join(artifacts, '52-supervisor-opinion.png'), fullPage: true });
  await lay.close();

  // The prosecutor answers: not adopting needs reasons.
  const pros = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(pros, 'prosecutor');
  assert.ok(await pros.$('#todo-answer_opinion tbody tr'), 'the opinion waits in the prosecutor\'s 待办');
  await Promise.all([pros.waitForURL(/\/supervisor-activities\/\d+/), pros.click('#todo-answer_opinion tbody tr:last-child a')]);
  const form = pros.locator('section.opinion:has-text("退赔款项的来源") form');
  await form.locator('select').selectOption('not_adopted');
  await Promise.all([pros.waitForLoadState('load'), form.locator('button').click()]);
  assert.match(await pros.textContent('#page-error'), /不予采纳的，应当说明理由/);
  const again = pros.locator('section.opinion:has-text("退赔款项的来源") form');
  await again.locator('select').selectOption('not_adopted');
  await again.locator('input[name=reason]').fill('退赔款系犯罪嫌疑人亲属代为筹集，已在听证时说明，无须另行告知。');
  await Promise.all([pros.waitForLoadState('load'), again.locator('button').click()]);
  assert.match(await pros.textContent('section.opinion:has-text("退赔款项的来源") .answer'), /不予采纳/);
  await pros.close();

  // The city procuratorate finds a district's opinion left unanswered past its day in its 待办
  // and raises it as a supervision item, the district responsible.
  const city = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(city, 'prosecutor_city');
  await Promise.all([city.waitForURL(/\/supervisor-activities\/\d+/), city.click('#todo-follow_escalation tbody tr:has-text("下级院未按期答复") a')]);
  await Promise.all([city.waitForURL(/\/supervision\/\d+$/), city.click('button[id^="supervise-"]')]);
  assert.match(await city.textContent('body'), /人民监督员意见逾期未答复/);
  assert.match(await city.textContent('body'), /上城区人民检察院/);
  await city.screenshot({ path: join(artifacts, '54-supervisor-opinion-item.png'), fullPage: true });
  await city.close();

  // The bureau pays the year's allowance still owed to 蒋监督员 — no more than attendance earned.
  const bureau = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(bureau, 'justice');
  await bureau.goto(`${base}/supervisors`);
  await Promise.all([bureau.waitForURL(/\/supervisors\/\d+$/), bureau.click('#supervisors a:has-text("蒋监督员")')]);
  const owedCell = bureau.locator('#allowance-years tbody tr:first-child td:nth-child(5)');
  const owed = Number((await owedCell.textContent()).trim());
  assert.ok(owed > 0, 'the second half-year is owed');
  await bureau.fill('#pay-amount', String(owed + 1));
  await bureau.fill('#pay-note', '下半年履职补贴（银行代发）');
  await Promise.all([bureau.waitForLoadState('load'), bureau.click('#pay')]);
  assert.match(await bureau.textContent('#pay-form .field-error'), new RegExp(`至多还可发放 ${owed} 元`));
  await bureau.fill('#pay-amount', String(owed));
  await bureau.fill('#pay-note', '下半年履职补贴（银行代发）');
  await Promise.all([bureau.waitForLoadState('load'), bureau.click('#pay')]);
  assert.equal((await bureau.locator('#allowance-years tbody tr:first-child td:nth-child(5)').textContent()).trim(), '0');
  assert.ok(await bureau.$('#payments tr:has-text("下半年履职补贴")'), 'the payment is on file');
  assert.ok(await bureau.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'fits 1280 px');
  await bureau.screenshot({ path: join(artifacts, '55-supervisor-allowance.png'), fullPage: true });
  await bureau.close();

  // The auditor re-checks the draw on its page and offline, from the exported record.
  const auditor = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await loginAny(auditor, 'auditor');
  await auditor.goto(`${base}/supervisor-activities/${activity}`);
  await Promise.all([auditor.waitForURL(/\/verify$/), auditor.click('a[id^="verify-"]')]);
  assert.match(await auditor.textContent('#verdict'), /复核一致/);
  await auditor.screenshot({ path: join(artifacts, '53-supervisor-draw-verify.png'), fullPage: true });
  const draw = auditor.url().match(/supervisor-draws\/(\d+)/)[1];
  const record = await (await auditor.request.get(`${base}/api/v1/supervisor-draws/${draw}`)).text();
  const file = join(dataDir, 'draw-record.json');
  writeFileSync(file, record);
  const check = spawnSync(bin, ['draw', 'verify', file], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /OK: the published result is the one its inputs give/);
  await auditor.close();
});

test('司法公正码: a code printed for a party, a bad rating with a phone from a phone, called back, rectified and answered, and the index counts it', async () => {
  assert.ok(ratingCase, 'the demo names a case with an unused rating code');
  // The clerk prints a code for the victim beside the 受理通知书.
  const clerk = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(clerk, 'clerk');
  await clerk.goto(`${base}/cases/${ratingCase}`);
  await Promise.all([clerk.waitForURL(/feedback-codes$/), clerk.click('#feedback-codes')]);
  await clerk.fill('#issue-form input[name=party]', '被害人');
  await Promise.all([clerk.waitForLoadState('load'), clerk.click('#issue-form button[type=submit]')]);
  const urls = await clerk.$$eval('.code-card .code-url', (a) => a.map((x) => x.textContent));
  const url = urls[urls.length - 1];
  assert.match(url, /\/r\/[A-Za-z0-9_-]{126}$/);
  assert.match(await clerk.textContent('.code-cards'), /评价码（被害人）/);
  assert.equal(await clerk.locator('.code-card svg').count(), urls.length, 'each code is printed as a QR code');
  await clerk.screenshot({ path: join(artifacts, '40-feedback-codes.png'), fullPage: true });

  // The party scans it: a phone-sized page, no login, no name, no case number.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  await phone.goto(url);
  assert.match(await phone.textContent('#court'), /上城区人民法院/);
  const body = await phone.textContent('body');
  assert.ok(!/（20\d\d）浙/.test(body), 'the page shows no case number');
  // Nothing is chosen for them: submitting without a level says what is missing.
  await Promise.all([phone.waitForLoadState('load'), phone.click('#submit')]);
  assert.match(await phone.textContent('#rating-error'), /请选择满意程度/);
  await phone.check('input[name=rating][value="1"]');
  await phone.check('input[name=aspects][value=efficiency]');
  await phone.fill('#comment', '立案后三个月没有开庭，电话一直打不通。');
  await phone.fill('#name', '钱女士');
  await phone.fill('#phone', '13857102000');
  await phone.screenshot({ path: join(artifacts, '41-rating-phone.png'), fullPage: true });
  await Promise.all([phone.waitForLoadState('load'), phone.click('#submit')]);
  assert.match(await phone.textContent('#done'), /评价已提交/);
  assert.match(await phone.textContent('#follow'), /3 个工作日内/);
  await phone.screenshot({ path: join(artifacts, '42-rating-done.png'), fullPage: true });
  await phone.goto(url);
  assert.match(await phone.textContent('#done'), /已经评价过/, 'one rating per party\'s code');

  // The court's judge calls back (the note is required), rectifies and submits.
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  const items = await (await judge.request.get(`${base}/api/v1/supervision/items?source=feedback`)).json();
  const item = items.items.find((i) => i.description.includes('立案后三个月没有开庭'));
  assert.ok(item, 'the bad rating is a supervision item of source 群众评价');
  assert.equal(item.state, 'assigned');
  await judge.goto(`${base}/supervision/${item.id}`);
  assert.match(await judge.textContent('#item-actions'), /登记回访/);
  await Promise.all([judge.waitForLoadState('load'), judge.click('#do-accept')]);
  assert.match(await judge.textContent('body'), /请填写回访情况/);
  await judge.goto(`${base}/supervision/${item.id}`);
  await judge.fill('#note-accept', '12月5日电话回访钱女士：立案后排期积压，未及时告知。');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#do-accept')]);
  assert.match(await judge.textContent('#item-state'), /整改中/);
  await judge.setInputFiles('#evidence-file', { name: '排期整改.txt', mimeType: 'text/plain', buffer: Buffer.from('已排期 12 月 18 日开庭，并书面告知双方。') });
  await Promise.all([judge.waitForLoadState('load'), judge.click('#evidence-upload')]);
  await judge.fill('#note-submit', '已排期开庭并书面告知当事人。');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#do-submit')]);
  assert.match(await judge.textContent('#item-state'), /待核验/);

  // The case-management office verifies and answers the person (答复), then reads the index.
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  await office.goto(`${base}/supervision/${item.id}`);
  await Promise.all([office.waitForLoadState('load'), office.click('#do-verify')]);
  await office.fill('#note-close', '12月5日电话答复钱女士开庭安排，表示认可。');
  await Promise.all([office.waitForLoadState('load'), office.click('#do-close')]);
  assert.match(await office.textContent('#item-state'), /已销号/);
  await office.click('#rating-link');
  await office.waitForLoadState('load');
  assert.match(await office.textContent('#contact'), /13857102000/);
  await office.goto(`${base}/feedback`);
  const row = office.locator('#index tbody tr', { hasText: '上城区人民法院' });
  assert.match(await row.textContent(), /\d/);
  await office.screenshot({ path: join(artifacts, '43-feedback-index.png'), fullPage: true });
  await office.goto(`${base}/feedback/ratings?follow_up=callback`);
  const line = office.locator('#ratings tbody tr', { hasText: '立案后三个月没有开庭' });
  assert.match(await line.textContent(), /已销号/);
  await office.screenshot({ path: join(artifacts, '44-feedback-ratings.png') });
  for (const p of [clerk, phone, judge, office]) await p.close();
});

test('失信被执行人名单: the public list needs no login and masks numbers; the judge lists a debtor lawfully and deletes one whose cause arose', async () => {
  const anon = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await anon.goto(`${base}/public/dishonest`);
  const published = await anon.textContent('#public-entries');
  assert.match(published, /\*{8}/, 'identity numbers are masked');
  assert.ok(!/\d{17}[\dX]/.test(published), 'no full identity number is published');
  await anon.screenshot({ path: join(artifacts, '45-dishonest-public.png'), fullPage: true });

  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  assert.match(await judge.textContent('body'), /失信名单信息待删除/, 'deletions due are in 待办');
  await judge.goto(`${base}/dishonest`);
  // A minor is refused with the article that forbids it (a valid number of someone born 2012).
  const body = '33010220120315002';
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  const minor = body + '10X98765432'[sum % 11];
  const caseNumber = (await judge.textContent('#entries tbody tr td:nth-child(3) a')).trim();
  await judge.fill('#case_number', caseNumber);
  await judge.fill('#name', '王小某');
  await judge.fill('#id_number', minor);
  await judge.selectOption('#ground', 'evades');
  await judge.fill('#decided_on', '2026-11-30');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#list-submit')]);
  assert.match(await judge.textContent('#list-form'), /未成年人，不得纳入/);
  assert.equal(await judge.inputValue('#name'), '王小某', 'what was typed is kept');
  // An entry whose cause of deletion arose is deleted.
  const due = judge.locator('#entries tbody tr', { hasText: '应删除' }).first();
  await Promise.all([judge.waitForURL(/\/dishonest\/\d+$/), due.locator('td a').first().click()]);
  assert.match(await judge.textContent('#entry-due'), /\d{4}-\d{2}-\d{2}/);
  await judge.screenshot({ path: join(artifacts, '46-dishonest-entry.png'), fullPage: true });
  await Promise.all([judge.waitForLoadState('load'), judge.click('#delete-submit')]);
  assert.match(await judge.textContent('#entry-state'), /删除/);
  for (const p of [anon, judge]) await p.close();
});

test('典型案例: the procuratorate\'s head approves a case the court approved, it is released to the public page named as judgments are published, and a case is not proposed twice', async () => {
  const proc = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(proc, 'prosecutor_inv');
  assert.match(await proc.textContent('body'), /典型案例待审核发布/, 'approvals waiting are in 待办');
  await proc.goto(`${base}/typical`);
  // The one the court has approved: the procuratorate's approval releases it.
  const row = proc.locator('#typical-cases tbody tr[data-stage=proposed]', { hasText: '同意发布' }).first();
  const title = (await row.locator('td a').first().textContent()).trim();
  assert.match(title, /某/, `the parties are named as published judgments name them: ${title}`);
  await Promise.all([proc.waitForURL(/\/typical\/\d+$/), row.locator('td a').first().click()]);
  await proc.screenshot({ path: join(artifacts, '47-typical-approve.png'), fullPage: true });
  await Promise.all([proc.waitForLoadState('load'), proc.click('#approve-submit')]);
  assert.match(await proc.textContent('#typical-stage'), /已联合发布/);

  const anon = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await anon.goto(`${base}/public/typical`);
  const list = await anon.textContent('#public-typical');
  assert.ok(list.includes(title), `released: ${list}`);
  assert.match(list, /人民法院、.*人民检察院/, 'released by both');
  await Promise.all([anon.waitForURL(/\/public\/typical\/\d+$/), anon.locator('#public-typical a', { hasText: title }).click()]);
  const published = await anon.textContent('main');
  assert.ok(!/\d{17}[\dX]/.test(published) && !/1[3-9]\d{9}/.test(published), 'no identity or mobile number');
  await anon.screenshot({ path: join(artifacts, '48-typical-public.png'), fullPage: true });

  // The court's head proposes the same case again: refused next to the case number, the text kept.
  const chief = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(chief, 'chief');
  await chief.goto(`${base}/typical`);
  const number = (await chief.textContent('#typical-cases tbody tr td:nth-child(3) a')).trim();
  await chief.fill('#case_number', number);
  await chief.selectOption('#category', 'similar_case_guide');
  await chief.fill('#title', '再次推荐的典型案例');
  await chief.fill('#summary', '本案基本案情已在前次推荐中写明，此处再次推荐以检验系统是否拒绝重复推荐同一案件。');
  await chief.fill('#significance', '重复推荐应当被拒绝，并在案号旁说明原因。');
  await Promise.all([chief.waitForLoadState('load'), chief.click('#propose-submit')]);
  assert.match(await chief.textContent('#propose-form'), /已被推荐为典型案例/);
  assert.equal(await chief.inputValue('#title'), '再次推荐的典型案例', 'what was typed is kept');
  for (const p of [proc, anon, chief]) await p.close();
});

test('拒执线索移送: the police find a court\'s referral in 待办, a refusal to file needs reasons, and the filing shows on the court\'s list', async () => {
  const police = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(police, 'police');
  assert.match(await police.textContent('body'), /拒执线索待决定是否立案/, 'referrals waiting are in 待办');
  await police.goto(`${base}/refusals`);
  const waiting = police.locator('#refusals tbody tr[data-stage=referred]').first();
  const debtor = (await waiting.locator('td a').first().textContent()).trim();
  await Promise.all([police.waitForURL(/\/refusals\/\d+$/), waiting.locator('td a').first().click()]);
  assert.match(await police.textContent('#referral-due'), /\d{4}-\d{2}-\d{2}/);
  await police.selectOption('#step', 'decline');
  await Promise.all([police.waitForLoadState('load'), police.click('#step-submit')]);
  assert.match(await police.textContent('#step-error'), /须写明理由/);
  await police.selectOption('#step', 'file');
  await Promise.all([police.waitForLoadState('load'), police.click('#step-submit')]);
  assert.match(await police.textContent('#referral-stage'), /已立案侦查/);
  assert.match(await police.textContent('#referral-steps'), /立案侦查/);
  await police.screenshot({ path: join(artifacts, '49-refusal-filed.png'), fullPage: true });

  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  await judge.goto(`${base}/refusals`);
  const row = judge.locator('#refusals tbody tr', { hasText: debtor });
  assert.match(await row.textContent(), /公安机关已立案侦查/);
  assert.ok(await judge.locator('#refer-form').count() === 1, 'the court refers from the same page');
  await judge.screenshot({ path: join(artifacts, '50-refusals.png'), fullPage: true });
  for (const p of [police, judge]) await p.close();
});

test('人大代表协助执行: a deputy logs a visit on an assigned 终本 case, the court records 和解, and the 终本库出清 board moves by one', async () => {
  const deputy = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(deputy, 'deputy');
  assert.match(await deputy.textContent('body'), /交由我协助的执行案件/, 'the deputy\'s home page has their cases');
  await deputy.goto(`${base}/campaigns`);
  await Promise.all([deputy.waitForURL(/\/campaigns\/\d+$/), deputy.locator('#campaigns tbody tr td a').first().click()]);
  const board = deputy.url();
  const before = Number((await deputy.textContent('#campaign-cleared')).trim());
  const assistedBefore = Number((await deputy.textContent('#assisted')).trim());

  // A case given to the deputy and not yet logged.
  await deputy.goto(`${base}/deputies/cases`);
  const open = deputy.locator('#assignments-open tbody tr', { hasText: '尚无' }).first();
  const debtor = (await open.locator('td a').first().textContent()).trim();
  await Promise.all([deputy.waitForURL(/\/deputies\/cases\/\d+$/), open.locator('td a').first().click()]);
  const assignment = deputy.url();
  assert.equal(await deputy.locator('#result-form').count(), 0, 'a deputy never records the result');
  await deputy.selectOption('#action', 'visit');
  await deputy.fill('#action-on', '2020-01-01');
  await deputy.fill('#action-outcome', '走访被执行人');
  await Promise.all([deputy.waitForLoadState('load'), deputy.click('#action-submit')]);
  assert.match(await deputy.textContent('#form-error'), /不能早于交办日期/, 'a date before the assignment is refused next to the form');
  await deputy.selectOption('#action', 'mediation');
  await deputy.fill('#action-outcome', '在代表联络站组织双方协商，被执行人同意一次性支付欠款，申请执行人同意减免部分利息');
  await Promise.all([deputy.waitForLoadState('load'), deputy.click('#action-submit')]);
  assert.match(await deputy.textContent('#actions'), /协助和解/);
  await deputy.screenshot({ path: join(artifacts, '51-deputy-case.png'), fullPage: true });

  // The court has it in 待办 and records 和解.
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  assert.match(await judge.textContent('body'), /人大代表协助执行待登记结果/);
  await judge.goto(assignment);
  await judge.selectOption('#outcome', 'settled');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#result-submit')]);
  assert.match(await judge.textContent('#assignment-result'), /达成和解并履行完毕/);
  await judge.goto(`${base}/deputies/cases`);
  assert.match(await judge.locator('#assignments-done tbody tr', { hasText: debtor }).first().textContent(), /达成和解并履行完毕/);

  // The board moved by one, counted as the deputies' help.
  await deputy.goto(board);
  assert.equal(Number((await deputy.textContent('#campaign-cleared')).trim()), before + 1);
  assert.equal(Number((await deputy.textContent('#assisted')).trim()), assistedBefore + 1);
  assert.match(await deputy.textContent('#campaign-townships'), /湖滨街道/);
  assert.ok(await deputy.locator('#campaign-chart polyline').count() === 1, 'the day-by-day chart is drawn');
  await deputy.screenshot({ path: join(artifacts, '52-campaign-board.png'), fullPage: true });
  for (const p of [deputy, judge]) await p.close();
});

test('代表问卷: a deputy answers the open survey (a missing answer named next to its question), and the 人大 sees it in the result chart', async () => {
  const npc = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(npc, 'npc_hz');
  await npc.goto(`${base}/deputies/surveys`);
  await Promise.all([npc.waitForURL(/\/deputies\/surveys\/\d+$/), npc.locator('#surveys tbody tr td a').first().click()]);
  const survey = npc.url();
  const before = Number((await npc.textContent('#survey-answered')).trim());
  const satisfied = async (p) => Number((await p.locator('#result-1 tbody tr').first().locator('td').nth(1).textContent()).trim());
  const satisfiedBefore = await satisfied(npc);

  const deputy = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(deputy, 'deputy');
  assert.match(await deputy.textContent('body'), /问卷待填写/);
  await deputy.goto(survey);
  // Nothing chosen for the first question: refused, named next to it.
  await deputy.check('#q2 input[value="1"]');
  await deputy.check('#q3 input[value="5"]');
  await Promise.all([deputy.waitForLoadState('load'), deputy.click('#answer-submit')]);
  assert.match(await deputy.textContent('#q1 .field-error'), /请选择/);
  await deputy.check('#q1 input[value="0"]');
  await deputy.check('#q2 input[value="0"]');
  await deputy.check('#q3 input[value="5"]');
  await deputy.fill('#q4 textarea', '建议院长走访时听取群众对执行工作的意见');
  await Promise.all([deputy.waitForLoadState('load'), deputy.click('#answer-submit')]);
  assert.match(await deputy.textContent('#answered'), /已填写/);

  await npc.goto(survey);
  assert.equal(Number((await npc.textContent('#survey-answered')).trim()), before + 1);
  assert.equal(await satisfied(npc), satisfiedBefore + 1, 'the chart\'s 满意 bar counts the answer');
  assert.ok(await npc.locator('#result-1 svg.hbar').count() >= 3, 'each option has its bar');
  assert.match(await npc.textContent('#result-4'), /建议院长走访时听取群众对执行工作的意见/);
  await npc.screenshot({ path: join(artifacts, '53-survey-results.png'), fullPage: true });
  for (const p of [npc, deputy]) await p.close();
});

test('案件质量评查: the 审管办 makes a plan, a judge of another court scores, the judge objects, the 复核 stands and the item opens; the third-party evaluator sees only their cases', async () => {
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  const closed = await (await judge.request.get(`${base}/api/v1/cases?status=closed&mine=1&type_code=${encodeURIComponent('民初')}`)).json();
  const target = closed.items.find((c) => c.confidentiality === 'public');
  assert.ok(target, 'the judge has a closed public civil case');

  // The 审管办 makes a 专项 plan with two experts: 西湖's judge and the third-party evaluator.
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  await office.goto(`${base}/evaluations`);
  await office.selectOption('#plan-kind', 'special');
  await office.fill('#plan-title', '审限变更专项评查');
  await office.selectOption('#plan-sheet', 'court_case');
  await office.fill('#plan-from', '2026-01-01');
  for (const box of await office.locator('#plan-experts input[type=checkbox]').all()) {
    const u = await box.getAttribute('data-username');
    if (['judge_xh', 'evaluator'].includes(u)) await box.check(); else await box.uncheck();
  }
  // The criteria missing: refused next to its field, the case list kept.
  await office.fill('#plan-cases', target.case_number);
  await Promise.all([office.waitForLoadState('load'), office.click('#plan-submit')]);
  assert.match(await office.textContent('#plan-form'), /请填写专项评查的内容和标准/);
  assert.equal(await office.inputValue('#plan-cases'), target.case_number);
  await office.fill('#plan-criteria', '延长、扣除审限是否依法审批，审批是否在期限届满前');
  await Promise.all([office.waitForURL(/\/evaluations\/\d+$/), office.click('#plan-submit')]);
  const plan = office.url();
  const row = office.locator('#plan-cases tbody tr', { hasText: target.case_number });
  const evaluatorName = (await row.locator('td').nth(4).textContent()).trim();
  await Promise.all([office.waitForURL(/\/evaluations\/cases\/\d+$/), row.locator('td a').first().click()]);
  const url = office.url();
  await office.screenshot({ path: join(artifacts, '60-evaluation-assigned.png'), fullPage: true });

  // The evaluator (whichever of the two was drawn) reads the file and scores 瑕疵.
  const first = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const second = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const thirdPartyFirst = evaluatorName === '严律师';
  await login(first, thirdPartyFirst ? 'evaluator' : 'judge_xh');
  await login(second, thirdPartyFirst ? 'judge_xh' : 'evaluator');
  assert.match(await first.textContent('body'), /案件待评查/, "the case is on the evaluator's 待办");
  await first.goto(url);
  assert.match(await first.textContent('#evaluation-file'), /当事人/);
  const score = async (p) => {
    // A reason without points is refused next to the sheet, with what was typed kept.
    await p.fill('#note-1\\.2', '诉讼费计算有误');
    await Promise.all([p.waitForLoadState('load'), p.click('#score-submit')]);
    assert.match(await p.textContent('#deductions-error'), /第1\.2项写了扣分理由，但未填扣分/);
    assert.equal(await p.inputValue('#note-1\\.2'), '诉讼费计算有误');
    await p.fill('#note-1\\.2', '');
    for (const [item, off, note] of [['2.3', '6', '延长审限审批表在期限届满后补签'], ['3.1', '12', '借款交付事实仅凭借条认定'], ['3.2', '8', '利率保护上限适用错误']]) {
      await p.fill(`#off-${item.replace('.', '\\.')}`, off);
      await p.fill(`#note-${item.replace('.', '\\.')}`, note);
    }
    await Promise.all([p.waitForLoadState('load'), p.click('#score-submit')]);
  };
  await score(first);
  assert.match(await first.textContent('body'), /74 分，瑕疵/);
  assert.equal(await first.locator('#evaluation-file').count(), 0, 'the file closes once scored');
  await first.screenshot({ path: join(artifacts, '61-evaluation-scored.png'), fullPage: true });

  // The judge objects (their 待办), once.
  await judge.goto(`${base}/todo`);
  assert.match(await judge.textContent('body'), /本人案件的评查结果待认可或提出异议/);
  await judge.goto(url);
  await judge.fill('#objection-reason', '延长审限已于期限届满前报批，审批表系归档时补装订，附审批系统截图');
  await Promise.all([judge.waitForLoadState('load'), judge.click('#evaluation-object')]);
  assert.match(await judge.textContent('#evaluation-stage'), /提出异议，待复核/);
  assert.equal(await judge.locator('#object-form').count(), 0, 'an objection is made once');

  // The other expert re-checks; the 复核 stands and opens the supervision item.
  await second.goto(url);
  assert.match(await second.textContent('#evaluation-objection'), /期限届满前报批/);
  await second.fill('#recheck-reason', '审批系统记录显示审批在期限届满后，维持原评分');
  await Promise.all([second.waitForLoadState('load'), second.click('#score-submit')]);
  assert.match(await second.textContent('#evaluation-final'), /74 分，瑕疵/);
  assert.match(await second.textContent('#evaluation-final'), /督办事项/);
  await judge.goto(url);
  await Promise.all([judge.waitForURL(/\/supervision\/\d+$/), judge.click('#evaluation-item')]);
  assert.match(await judge.textContent('body'), /一案一剖析一整改/);
  await judge.screenshot({ path: join(artifacts, '62-evaluation-item.png'), fullPage: true });

  // The third-party evaluator: only their own cases; no case list, no plan page.
  const tp = thirdPartyFirst ? first : second;
  await tp.goto(`${base}/evaluations`);
  const theirs = await tp.locator('#to-evaluate tbody tr').count();
  assert.ok(theirs >= 1, 'the third-party evaluator has their cases');
  assert.equal(await tp.locator('#plans').count(), 0);
  assert.equal((await tp.goto(plan)).status(), 404);
  assert.equal((await tp.goto(`${base}/cases/${target.id}`)).status(), 403);
  await tp.goto(`${base}/evaluations`);
  await tp.screenshot({ path: join(artifacts, '63-third-party-evaluator.png'), fullPage: true });
  for (const p of [judge, office, first, second]) await p.close();
});

test('流程节点: the 审管办 finds late nodes in 待办, filters them with their standards and sources, reads the medians and the case\'s nodes; the judge has no list', async () => {
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  await office.goto(`${base}/todo`);
  assert.match(await office.textContent('body'), /流程节点已超时/);
  await office.goto(`${base}/nodes`);
  const rows = office.locator('#late-nodes tbody tr');
  assert.ok((await rows.count()) >= 1, 'overdue nodes are listed');
  assert.match(await office.textContent('#late-nodes'), /已超时/);
  // Filtered to the archive node: every row is an 归档 with its standard and source.
  await office.selectOption('#node', 'archived');
  await Promise.all([office.waitForLoadState('load'), office.click('.filters button[type=submit]')]);
  const archived = await office.locator('#late-nodes tbody tr').allTextContents();
  assert.ok(archived.length >= 1);
  for (const r of archived) assert.match(r, /归档[\s\S]*后 90 日内[\s\S]*本院流程节点标准/);
  await office.screenshot({ path: join(artifacts, '64-late-nodes.png'), fullPage: false });
  // Reached late, with the statute named.
  await office.goto(`${base}/nodes?view=late&node=complaint_served`);
  assert.match(await office.textContent('#late-nodes'), /《中华人民共和国(民事|行政)诉讼法》/);
  // The medians per court: a number in every row.
  await office.goto(`${base}/nodes?view=medians`);
  const medians = await office.locator('#node-medians tbody tr').allTextContents();
  assert.ok(medians.length >= 5, 'each court and node has its median');
  await office.screenshot({ path: join(artifacts, '65-node-medians.png'), fullPage: false });
  // A case's nodes on its page.
  await office.goto(`${base}/nodes?view=late`);
  await Promise.all([office.waitForURL(/\/cases\/\d+/), office.locator('#late-nodes tbody a').first().click()]);
  assert.match(await office.textContent('#case-nodes'), /超时完成/);
  await office.locator('#nodes').scrollIntoViewIfNeeded();
  await office.screenshot({ path: join(artifacts, '66-case-nodes.png'), fullPage: false });
  // A judge has no node list (silent watch).
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  assert.equal((await judge.goto(`${base}/nodes`)).status(), 403);
  for (const p of [judge, office]) await p.close();
});

test('执法司法风险点: the 审管办 reads the quarter\'s hits per court, post and person, the quarterly report and the catalogue with graded posts', async () => {
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  // The quarter with the most hits of the last four (the current one may have just begun).
  let best = null;
  const quarters = [];
  await office.goto(`${base}/risks`);
  for (const o of await office.locator('#quarter option').all()) quarters.push(await o.getAttribute('value'));
  for (const q of quarters.slice(0, 4)) {
    const r = await (await office.request.get(`${base}/api/v1/risk-hits?quarter=${q}`)).json();
    if (!best || r.total > best.total) best = { q, total: r.total };
  }
  assert.ok(best.total > 0, 'the demo has hits');
  await office.goto(`${base}/risks?quarter=${best.q}`);
  assert.ok((await office.locator('#hits-by-court tbody tr').count()) >= 1);
  assert.ok((await office.locator('#hits-by-post tbody tr').count()) >= 1);
  assert.match(await office.textContent('#risk-hits'), /A 级|B 级/);
  await office.screenshot({ path: join(artifacts, '67-risk-hits.png'), fullPage: false });
  await Promise.all([office.waitForURL(/view=report/), office.click('#report-view')]);
  assert.match(await office.textContent('#risk-report'), /执法司法风险点评估报告[\s\S]*一、总体情况[\s\S]*五、防控建议/);
  await office.screenshot({ path: join(artifacts, '68-risk-report.png'), fullPage: true });
  await Promise.all([office.waitForURL(/view=catalogue/), office.click('#catalogue-view')]);
  assert.match(await office.textContent('#risk-posts'), /A级（行使办案权力）/);
  assert.ok((await office.locator('table.risk-points tbody tr').count()) >= 10);
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  assert.equal((await judge.goto(`${base}/risks`)).status(), 403);
  for (const p of [judge, office]) await p.close();
});

test('案件自查: the prosecutor self-checks a closed file from 待办 (problems need their words, named beside the field), and the city 案管办 reads it by standing', async () => {
  const pros = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(pros, 'prosecutor');
  await pros.goto(`${base}/todo`);
  assert.match(await pros.textContent('body'), /已结案件待自查/);
  await pros.goto(`${base}/evaluations/self-checks`);
  const card = pros.locator('section.card').first();
  const number = (await card.locator('h3 a').textContent()).trim();
  await card.locator('input[value=problems]').check();
  await Promise.all([pros.waitForLoadState('load'), card.locator('button[type=submit]').click()]);
  const again = pros.locator('section.card').filter({ hasText: number });
  assert.match(await again.locator('.field-error').allTextContents().then((t) => t.join(' ')), /请写明问题及整改情况/);
  await again.locator('textarea[name=note]').fill('起诉书遗漏被告人一次前科，已向法院补充说明');
  await again.locator('input[value=problems]').check();
  await pros.screenshot({ path: join(artifacts, '69-self-check-form.png'), fullPage: false });
  await Promise.all([pros.waitForURL(/#done$/), again.locator('button[type=submit]').click()]);
  const done = await pros.textContent('#self-checks-done');
  assert.ok(done.includes(number), `${number} is among the done`);
  assert.match(done, /起诉书遗漏被告人一次前科/);
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'prosecutor_city');
  await office.goto(`${base}/evaluations/self-checks`);
  const row = office.locator('#self-checks tbody tr').filter({ hasText: number });
  assert.match(await row.textContent(), /完成自查[\s\S]*发现问题/);
  await office.screenshot({ path: join(artifacts, '70-self-checks-office.png'), fullPage: false });
  for (const p of [pros, office]) await p.close();
});

// A Word document with one paragraph per line: the three parts Word needs, stored uncompressed.
function docx(text) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = text.split('\n').filter((l) => l.trim()).map((l) => `<w:p><w:r><w:t xml:space="preserve">${esc(l)}</w:t></w:r></w:p>`).join('');
  const parts = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`],
  ];
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b) => { let c = 0xffffffff; for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const locals = []; const central = []; let offset = 0;
  for (const [name, xml] of parts) {
    const n = Buffer.from(name); const data = Buffer.from(xml); const c = crc(data);
    const h = Buffer.alloc(30); h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt32LE(c, 14);
    h.writeUInt32LE(data.length, 18); h.writeUInt32LE(data.length, 22); h.writeUInt16LE(n.length, 26);
    const e = Buffer.alloc(46); e.writeUInt32LE(0x02014b50, 0); e.writeUInt16LE(20, 4); e.writeUInt16LE(20, 6); e.writeUInt32LE(c, 16);
    e.writeUInt32LE(data.length, 20); e.writeUInt32LE(data.length, 24); e.writeUInt16LE(n.length, 28); e.writeUInt32LE(offset, 42);
    locals.push(h, n, data); central.push(e, n); offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(parts.length, 8); end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

test('文书校对: a judge uploads a DOCX draft with a nonexistent article and a wrong combined sentence, sees both marked, fixes one and sets the other aside with a reason; the 审管办 reads the counts', async () => {
  const judge = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(judge, 'judge');
  // The demo's latest draft waits in 待办.
  await judge.goto(`${base}/todo`);
  assert.match(await judge.textContent('body'), /文书校对意见待处理/);
  await judge.goto(`${base}/proofreading`);
  const caseHref = await judge.locator('#own-drafts tbody tr td:nth-child(2) a').first().getAttribute('href');
  await judge.goto(`${base}${caseHref}`);
  await Promise.all([judge.waitForLoadState('load'), judge.click('#proofreading-open')]);
  const draft = readFileSync(join(here, '..', 'crates', 'tianping-server', 'tests', 'fixtures', 'draft-judgment.txt'), 'utf8');
  await judge.setInputFiles('#draft-file', { name: '刑事判决书（送审稿）.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: docx(draft) });
  await Promise.all([judge.waitForURL(/proofreading\?draft=\d+$/), judge.click('#draft-submit')]);
  // Both marked where they are, with their reasons.
  const marks = await judge.locator('#draft-text mark.open').allTextContents();
  assert.ok(marks.some((m) => m.includes('第四百六十七条')), `the article is marked: ${marks}`);
  assert.ok(marks.some((m) => m.includes('决定执行有期徒刑二年八个月')), `the combined term is marked: ${marks}`);
  const article = judge.locator('section.pf-card').filter({ hasText: '引用条文不存在' });
  const combined = judge.locator('section.pf-card').filter({ hasText: '数罪并罚刑期' });
  assert.match(await combined.textContent(), /总和刑期2年5个月以下/);
  await judge.screenshot({ path: join(artifacts, '71-proofreading-marked.png'), fullPage: false });
  // The combined term corrected in the draft.
  await Promise.all([judge.waitForLoadState('load'), combined.locator('button', { hasText: '已在文稿中修改' }).click()]);
  assert.match(await judge.locator('section.pf-card').filter({ hasText: '数罪并罚刑期' }).textContent(), /已修改/);
  // The article set aside: a reason is required, and said beside the finding.
  await Promise.all([judge.waitForLoadState('load'), article.locator('button', { hasText: '标记不适用' }).click()]);
  const again = judge.locator('section.pf-card').filter({ hasText: '引用条文不存在' });
  assert.match(await again.locator('.field-error').textContent(), /须填写理由/);
  await again.locator('textarea[name=reason]').fill('系引述起诉书原文，判决主文依据已另行核对');
  await Promise.all([judge.waitForLoadState('load'), again.locator('button', { hasText: '标记不适用' }).click()]);
  const aside = await judge.locator('section.pf-card').filter({ hasText: '引用条文不存在' }).textContent();
  assert.match(aside, /不适用/);
  assert.match(aside, /系引述起诉书原文/);
  // The term's end: the one-click fix, and the draft reads corrected.
  const term = judge.locator('section.pf-card').filter({ hasText: '刑期折抵' });
  await Promise.all([judge.waitForLoadState('load'), term.locator('button', { hasText: '一键修改' }).click()]);
  assert.match(await judge.textContent('#draft-text'), /至2020年11月18日止/);
  await judge.screenshot({ path: join(artifacts, '72-proofreading-resolved.png'), fullPage: false });
  const office = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await login(office, 'caseoffice');
  await office.goto(`${base}/proofreading`);
  assert.match(await office.textContent('#proofread-counts'), /杭州市上城区人民法院[\s\S]*杭州市西湖区人民法院[\s\S]*合计/);
  await office.screenshot({ path: join(artifacts, '73-proofreading-counts.png'), fullPage: false });
  for (const p of [judge, office]) await p.close();
});

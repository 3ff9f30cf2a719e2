// Browser test of the office console with Debian's chromium (headless, via playwright-core),
// called by tests/test_console_browser.py on seeded data:
//
//   CONSOLE_URL=http://localhost:8090 OUT_DIR=var/results/console PASSWORD=... MAX_FAILED=3 \
//   GUARDED='["/requests", ...]' NEW_TOUR='{"key": ...}' node web/tests/console.mjs
//
// Every guarded URL without a session ends on the login page; a wrong password is refused and
// after MAX_FAILED tries the right one is too (locked); an office user gets 403 on editor pages;
// a form whose CSRF token was removed is refused (403) and changes nothing; a contact request
// is marked done; a group of unanswered questions is labelled and the German training file
// downloaded; an editor adds a tour through the form (after one refused attempt); axe-core
// (WCAG 2.1 A/AA) runs on every page, German and English; screenshots of the requests,
// unanswered-questions and report pages. Forms are filled and sent by keyboard.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const BASE = process.env.CONSOLE_URL || 'http://localhost:8090';
const OUT_DIR = path.resolve(process.env.OUT_DIR || 'var/results/console');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = process.env.PASSWORD || '';
const MAX_FAILED = Number(process.env.MAX_FAILED || 5);
const GUARDED = JSON.parse(process.env.GUARDED || '[]');
const NEW_TOUR = JSON.parse(process.env.NEW_TOUR || '{}');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const steps = [];
const axe = {};
function step(message) {
  steps.push(message);
  console.log(`console: ${message}`);
}
function fail(message) {
  throw new Error(message);
}

async function runAxe(page, name) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    // The console's CSP forbids inline scripts; axe is put in through the DevTools protocol.
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  }
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
      passes: r.passes.length,
    };
  }, AXE_TAGS);
  axe[name] = result;
  step(`axe on ${name}: ${result.violations.length} violations (${result.passes} rules passed)`);
  return result;
}

async function focusIsVisible(page) {
  return page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  });
}

/** Fills a field by keyboard: focus, select what is there, type. */
async function typeInto(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function login(page, name, password) {
  await page.goto(`${BASE}/login`);
  await typeInto(page, '#name', name);
  await typeInto(page, '#password', password);
  const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  return response;
}

async function logout(page) {
  await page.focus('form.logout button');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale: 'de-DE', acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const problems = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // 401, 403, 404 and 422 pages are expected below; the browser logs them as failed loads.
      if (msg.type() === 'error' && !/status of (401|403|404|422)/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
    });

    // 1. Without a session every URL leads to the login page.
    const redirects = {};
    for (const guarded of GUARDED) {
      const response = await page.goto(`${BASE}${guarded}`);
      redirects[guarded] = new URL(page.url()).pathname;
      if (redirects[guarded] !== '/login' || response.status() !== 200) fail(`${guarded} without a session: ${page.url()} ${response.status()}`);
    }
    step(`${GUARDED.length} URLs without a session all end on the login page`);
    await runAxe(page, 'login');
    await page.goto(`${BASE}/login?lang=en`);
    if ((await page.evaluate(() => document.documentElement.lang)) !== 'en') fail('no English page');
    await runAxe(page, 'login-en');
    await page.goto(`${BASE}/login?lang=de`);

    // 2. Wrong passwords: refused, then locked after MAX_FAILED tries (the right one too).
    for (let i = 0; i < MAX_FAILED; i += 1) {
      const response = await login(page, 'lena', 'not the password');
      if (response.status() !== 401 || !(await page.isVisible('[role="alert"]'))) fail(`wrong password ${i + 1} not refused`);
    }
    await runAxe(page, 'login-failed');
    const lockedResponse = await login(page, 'lena', PASSWORD);
    const afterLimit = lockedResponse.status() === 401 && new URL(page.url()).pathname === '/login';
    if (!afterLimit) fail('the right password was accepted after the lockout');
    const alert = await page.textContent('[role="alert"]');
    step(`locked after ${MAX_FAILED} wrong passwords: ${JSON.stringify(alert.trim().slice(0, 120))}`);

    // 3. An office user: requests, a form without its token, mark done, 403 on editor pages.
    const officeLogin = await login(page, 'otto', PASSWORD);
    if (new URL(page.url()).pathname !== '/requests') fail(`login did not lead to the requests: ${page.url()} ${officeLogin.status()}`);
    await runAxe(page, 'requests');
    await page.screenshot({ path: path.join(OUT_DIR, 'console-requests.png'), fullPage: true });
    await page.keyboard.press('Tab');
    if (!(await page.evaluate(() => document.activeElement.classList.contains('skip')))) fail('the first Tab does not reach the skip link');
    if (!(await focusIsVisible(page))) fail('focus on the skip link is not visible');

    const forbidden = {};
    for (const editorPage of ['/kb', '/audit']) {
      const response = await page.goto(`${BASE}${editorPage}`);
      forbidden[editorPage] = response.status();
    }
    await runAxe(page, 'forbidden');
    step(`office user on editor pages: ${JSON.stringify(forbidden)}`);

    // CSRF: the form of request 2 with its token removed.
    await page.goto(`${BASE}/requests/2`);
    await page.evaluate(() => document.querySelector('form[action$="/done"] input[name="csrf_token"]').remove());
    const [csrfResponse] = await Promise.all([page.waitForNavigation(), page.click('form[action$="/done"] button')]);
    const csrfText = await page.textContent('main');
    await page.goto(`${BASE}/requests/2`);
    const stillOpen = (await page.textContent('#request-status')).trim() === 'offen';
    const csrf = { status: csrfResponse.status(), stillOpen };
    if (csrf.status !== 403 || !stillOpen) fail(`form without token: ${JSON.stringify(csrf)} ${csrfText}`);
    step(`a form without its CSRF token is refused: ${JSON.stringify(csrf)}`);

    // Mark request 1 done, by keyboard; the conversation excerpt is redacted.
    await page.goto(`${BASE}/requests/1`);
    const excerpt = await page.textContent('ol.conversation');
    if (!excerpt.includes('[phone]') || excerpt.includes('2345678') || excerpt.includes('Erika Muster')) fail(`excerpt not redacted: ${excerpt}`);
    const mailto = await page.getAttribute('a[href^="mailto:"]', 'href');
    if (!mailto.startsWith('mailto:erika@example.org?subject=')) fail(`reply link: ${mailto}`);
    await runAxe(page, 'request');
    await page.focus('form[action$="/done"] button');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const status = (await page.textContent('#request-status')).trim();
    if (!status.startsWith('erledigt')) fail(`request 1 not done: ${status}`);
    step(`request 1 marked done (${status}); excerpt redacted; reply link ${mailto.slice(0, 60)}...`);

    // Unanswered questions: label the bike group as the intent tour_next, export.
    await page.goto(`${BASE}/unanswered`);
    await runAxe(page, 'unanswered');
    const group = await page.evaluate(() => [...document.querySelectorAll('li.group')]
      .findIndex((li) => li.querySelector('h3').textContent.toLowerCase().includes('fahrradtour')) + 1);
    if (!group) fail('no group of the bike questions');
    await page.focus(`#label-${group}-intent`);
    await page.keyboard.press('Space');
    await page.selectOption(`#intent-${group}`, 'tour_next');
    await page.focus(`#group-${group} form button`);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const labelled = await page.textContent(`#group-${group} .label-state`);
    if (!labelled.includes('tour_next')) fail(`group not labelled: ${labelled}`);
    step(`group ${group} labelled: ${labelled.trim()}`);
    await page.screenshot({ path: path.join(OUT_DIR, 'console-unanswered.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/unanswered/export/de.yml"]')]);
    const exported = 'nlu-from-console-de.yml';
    await download.saveAs(path.join(OUT_DIR, exported));
    step(`training file downloaded: ${download.suggestedFilename()}`);

    // The report.
    await page.goto(`${BASE}/report`);
    await runAxe(page, 'report');
    await page.screenshot({ path: path.join(OUT_DIR, 'console-report.png'), fullPage: true });
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/report/summary.csv"]')]);
    await csv.saveAs(path.join(OUT_DIR, 'summary.csv'));
    if (!readFileSync(path.join(OUT_DIR, 'summary.csv'), 'utf8').startsWith('figure,value')) fail('summary.csv');
    await page.goto(`${BASE}/report?lang=en`);
    await runAxe(page, 'report-en');
    await page.goto(`${BASE}/requests?lang=de`);
    await logout(page);
    if (new URL(page.url()).pathname !== '/login') fail('logout did not lead to the login');
    const afterLogout = await page.goto(`${BASE}/requests`);
    if (new URL(page.url()).pathname !== '/login') fail(`still logged in after logout: ${afterLogout.status()}`);
    step('logged out; the requests page leads to the login again');

    // 4. An editor: freshness, a refused tour, then the tour added.
    await login(page, 'anna', PASSWORD);
    await page.goto(`${BASE}/kb`);
    await runAxe(page, 'kb');
    await page.screenshot({ path: path.join(OUT_DIR, 'console-kb.png'), fullPage: true });
    await page.focus('a[href="/kb/tours/new"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await runAxe(page, 'tour-form');
    const fields = ['key', 'date', 'start', 'end', 'meeting_point_de', 'meeting_point_en', 'source', 'as_of'];
    const fill = async (tour) => {
      for (const name of fields) {
        const type = await page.getAttribute(`#${name}`, 'type');
        if (type === 'date' || type === 'time') await page.fill(`#${name}`, tour[name]);
        else await typeInto(page, `#${name}`, tour[name]);
      }
      await page.selectOption('#mode', tour.mode);
      await page.focus('form.record-form button[type="submit"]');
      const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      return response;
    };
    const refused = await fill({ ...NEW_TOUR, end: '13:00' });
    const errorText = await page.textContent('#form-errors');
    if (refused.status() !== 422 || !errorText.includes('before it starts')) fail(`invalid tour: ${refused.status()} ${errorText}`);
    await runAxe(page, 'tour-form-errors');
    step(`an invalid tour is refused with the schema's message: ${JSON.stringify(errorText.trim().slice(0, 120))}`);
    const saved = await fill(NEW_TOUR);
    const flash = await page.textContent('.flash');
    if (new URL(page.url()).pathname !== '/kb' || !flash.includes('Gespeichert')) fail(`tour not saved: ${saved.status()} ${flash}`);
    const listed = await page.textContent('#records');
    if (!listed.includes(NEW_TOUR.key)) fail('the new tour is not listed');
    step(`tour ${NEW_TOUR.key} added: ${flash.trim()}`);
    await page.goto(`${BASE}/kb/tours/${NEW_TOUR.key}/edit`);
    await runAxe(page, 'tour-edit');
    await page.goto(`${BASE}/kb/tours/${NEW_TOUR.key}/delete`);
    await runAxe(page, 'tour-delete');
    await page.goto(`${BASE}/audit`);
    await runAxe(page, 'audit');
    const audit = await page.textContent('table');
    if (!audit.includes('record added') || !audit.includes('request marked done')) fail('audit log incomplete');
    await page.goto(`${BASE}/no/such/page`);
    await runAxe(page, 'not-found');

    // 200 % zoom: half the width, no horizontal scrolling on the requests page.
    await page.setViewportSize({ width: 640, height: 450 });
    await page.goto(`${BASE}/requests?status=all`);
    const reflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    if (reflow.scroll > reflow.client) fail(`no reflow at 200 %: ${JSON.stringify(reflow)}`);

    const violations = Object.entries(axe).filter(([, r]) => r.violations.length);
    if (violations.length) fail(`axe violations: ${JSON.stringify(violations, null, 1)}`);
    if (problems.length) fail(`browser problems: ${problems.join('; ')}`);
    writeFileSync(path.join(OUT_DIR, 'summary.json'), JSON.stringify({
      ok: true, steps, axe, redirects, locked: { afterLimit }, forbidden, csrf, export: exported,
    }, null, 2));
    console.log('console: OK');
  } finally {
    await context.close();
    await browser.close();
  }
}

main().catch((err) => {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, 'summary.json'), JSON.stringify({ ok: false, steps, axe, error: String(err.message || err) }, null, 2));
  console.error(`console: FAILED: ${err.message || err}`);
  process.exit(1);
});

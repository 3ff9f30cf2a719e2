// Browser test of the web chat page with Debian's chromium (headless, via playwright-core;
// no browser download). Keyboard only: open the widget, read the privacy notice (the
// retention period the server is configured with), ask in German, switch the page to
// English, ask in English, follow a quick-reply button; check the answers' language, run
// axe-core (WCAG 2.1 A/AA, 0 violations allowed), then "Delete this conversation": cancel
// once with Escape, confirm, see the confirmation and a new session id, reload and see a new
// conversation; check reflow at 200 % zoom, save screenshots. The upcoming tours: the page
// lists them (with the clock the stack was started with, SMARTCITY_NOW) and each one's
// "add to calendar" link downloads its .ics, in German and in English (saved as
// tour-de.ics / tour-en.ics for tests/test_browser.py to check); a tour answer in the chat
// links the same file on the page's own address. "Leichte Sprache": the toggle by keyboard,
// remembered across a reload, an easy-read answer, axe with it on, hidden on the English page.
// Called by tests/test_browser.py:
//
//   PAGE_URL=http://localhost:8080/ OUT_DIR=var/results/browser RETENTION_DAYS=30 \
//   FIRST_TOUR=tour-2023-06-10 node web/tests/browser.mjs
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const PAGE_URL = process.env.PAGE_URL || 'http://localhost:8080/';
const OUT_DIR = path.resolve(process.env.OUT_DIR || 'var/results/browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const REPLY_TIMEOUT = Number(process.env.REPLY_TIMEOUT_MS || 120000);
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const RETENTION_DAYS = Number(process.env.RETENTION_DAYS || 30);
const SESSION_KEY = 'smartcity-gera-session';
const SESSION_ID = /^[0-9a-f]{32}$/;
/** The key of the first tour ahead of the stack's clock (tours.json must list it first). */
const FIRST_TOUR = process.env.FIRST_TOUR || '';

const steps = [];
function step(message) {
  steps.push(message);
  console.log(`browser: ${message}`);
}

function fail(message) {
  throw new Error(message);
}

/** Presses Tab (forwards) until ``predicate`` holds in the page for the focused element. */
async function tabTo(page, selector, { max = 40, shift = false } = {}) {
  for (let i = 0; i < max; i += 1) {
    const hit = await page.evaluate((sel) => {
      const el = document.activeElement;
      return Boolean(el && el.matches(sel));
    }, selector);
    if (hit) return i;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  fail(`could not reach ${selector} with ${max} presses of Tab`);
}

/** Polls ``fn(arg)`` in the page until it is truthy. (Playwright's waitForFunction evaluates
 * strings in the page, which the page's Content-Security-Policy rightly forbids.) */
async function waitUntil(page, fn, arg, timeout = REPLY_TIMEOUT) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await page.evaluate(fn, arg)) return;
    await page.waitForTimeout(250);
  }
  fail(`timed out after ${timeout} ms waiting for ${fn.toString().slice(0, 120)}`);
}

/** Waits for a new bot message (beyond ``before``) whose text contains ``needle``. */
async function botReply(page, before, needle) {
  await waitUntil(
    page,
    ([count, text]) => [...document.querySelectorAll('#chat-log .msg.bot')]
      .slice(count).some((m) => m.querySelector('.msg-text').textContent.includes(text)),
    [before, needle],
  );
  return page.evaluate((count) => [...document.querySelectorAll('#chat-log .msg.bot .msg-text')]
    .slice(count).map((m) => m.textContent).join('\n---\n'), before);
}

const botCount = (page) => page.locator('#chat-log .msg.bot').count();

/** Runs axe-core (WCAG 2.1 A/AA) on the page as it is now. */
async function runAxe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  }
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      version: r.testEngine.version,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
      passes: r.passes.length,
      incomplete: r.incomplete.map((v) => v.id),
      inapplicable: r.inapplicable.length,
    };
  }, AXE_TAGS);
}

/** The session id the page keeps (the conversation's sender id in Rasa), once confirmed. */
async function sessionId(page, not = null) {
  await waitUntil(page, ([key, old]) => {
    const id = window.sessionStorage.getItem(key);
    return Boolean(id) && id !== old;
  }, [SESSION_KEY, not], 30000);
  const id = await page.evaluate((key) => window.sessionStorage.getItem(key), SESSION_KEY);
  if (!SESSION_ID.test(id)) fail(`unexpected session id ${JSON.stringify(id)}`);
  return id;
}

/** The page's list of upcoming tours, once tours.json has been rendered. */
async function tourList(page) {
  await waitUntil(page, () => !document.getElementById('tours').hidden, null, 15000);
  return page.evaluate(() => ({
    heading: document.getElementById('tours-title').textContent,
    none: document.getElementById('tours-none').hidden ? null : document.getElementById('tours-none').textContent,
    items: [...document.querySelectorAll('#tours-list li')].map((li) => ({
      when: li.querySelector('time').getAttribute('datetime'),
      text: li.textContent,
      link: li.querySelector('a.tour-calendar').getAttribute('href'),
      name: li.querySelector('a.tour-calendar').textContent,
    })),
    all: document.getElementById('tours-all-link').getAttribute('href'),
  }));
}

/** Follows the first "add to calendar" link by keyboard; returns the downloaded file. */
async function downloadFirstTour(page, language) {
  await page.focus('#tours-list a.tour-calendar');
  if (!(await focusIsVisible(page))) fail('focus on the calendar link is not visible');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.keyboard.press('Enter')]);
  const file = path.join(OUT_DIR, `tour-${language}.ics`);
  await download.saveAs(file);
  const text = readFileSync(file, 'utf8');
  if (!text.startsWith('BEGIN:VCALENDAR\r\n') || !text.endsWith('END:VCALENDAR\r\n')) fail(`not a calendar file: ${JSON.stringify(text.slice(0, 80))}`);
  if (text.split('\r\n').some((line) => line.includes('\n'))) fail('calendar lines must end with CRLF');
  const unfolded = text.replace(/\r\n[ \t]/g, '');
  if (!unfolded.includes(`UID:${FIRST_TOUR}@`)) fail(`the downloaded calendar is not ${FIRST_TOUR}: ${unfolded}`);
  if (!/\r\nDTSTART;TZID=Europe\/Berlin:\d{8}T\d{6}\r\n/.test(unfolded)) fail('DTSTART is not a Berlin local time');
  return { file: path.basename(file), suggested: download.suggestedFilename(), summary: (unfolded.match(/\r\nSUMMARY:([^\r]*)/) || [])[1] };
}

const privacyText = (page) => page.evaluate(() => document.getElementById('chat-privacy').textContent);

async function focusIsVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  });
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'smartcity-chromium-'));
  const problems = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'de-DE',
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      // A link whose response is a download (the .ics files) ends its navigation as aborted.
      if (/\.ics(\?|$)/.test(req.url()) && req.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
    });

    await page.goto(PAGE_URL, { waitUntil: 'load' });
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== 'de') fail(`page language from a German browser should be de, got ${lang}`);
    step(`loaded ${PAGE_URL} (lang=${lang})`);

    // Open the widget by keyboard.
    const tabs = await tabTo(page, '#chat-launcher');
    if (!(await focusIsVisible(page))) fail('focus on the launcher is not visible');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#chat-panel:not([hidden])');
    if (!(await page.evaluate(() => document.activeElement.id === 'chat-input'))) {
      fail('opening the chat should move focus to the message field');
    }
    step(`opened the chat with Tab x${tabs} + Enter; focus in the message field`);

    // The privacy notice states the period the server is configured with (config.json).
    const germanPeriod = RETENTION_DAYS === 1 ? '1 Tag ' : `${RETENTION_DAYS} Tagen`;
    await waitUntil(page, (text) => document.getElementById('chat-privacy').textContent.includes(text), germanPeriod, 10000);
    const germanPrivacy = await privacyText(page);
    if (/\b30 Tagen/.test(germanPrivacy) && RETENTION_DAYS !== 30) fail(`privacy notice still says 30 days: ${germanPrivacy}`);
    step(`privacy notice (de): ${JSON.stringify(germanPrivacy)}`);
    const firstSession = await sessionId(page);

    // German question, typed and sent with Enter.
    let before = await botCount(page);
    await page.keyboard.type('Wann haben Sie geöffnet?');
    await page.keyboard.press('Enter');
    const german = await botReply(page, before, 'Servicezeiten (');
    step(`German answer: ${JSON.stringify(german.slice(0, 160))}`);

    // "Leichte Sprache": a real toggle button (German page only), by keyboard; remembered
    // across a reload; the next answer is in easy-read German; off again with Space.
    await tabTo(page, '#easy-toggle', { max: 60 });
    if (!(await focusIsVisible(page))) fail('focus on "Leichte Sprache" is not visible');
    const easyOff = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName, type: el.type, name: el.textContent, pressed: el.getAttribute('aria-pressed') };
    });
    if (easyOff.tag !== 'BUTTON' || easyOff.type !== 'button' || easyOff.name !== 'Leichte Sprache' || easyOff.pressed !== 'false') {
      fail(`"Leichte Sprache" is not an unpressed toggle button: ${JSON.stringify(easyOff)}`);
    }
    await page.keyboard.press('Enter');
    const easyOn = await page.evaluate(() => ({
      pressed: document.getElementById('easy-toggle').getAttribute('aria-pressed'),
      status: document.getElementById('chat-status').textContent,
      stored: window.localStorage.getItem('smartcity-gera-register'),
    }));
    if (easyOn.pressed !== 'true' || !easyOn.status.includes('Leichte Sprache ist an') || easyOn.stored !== 'easy') {
      fail(`"Leichte Sprache" did not switch on: ${JSON.stringify(easyOn)}`);
    }
    await page.reload({ waitUntil: 'load' });
    if ((await page.evaluate(() => document.getElementById('easy-toggle').getAttribute('aria-pressed'))) !== 'true') {
      fail('"Leichte Sprache" was not remembered across a reload');
    }
    await tabTo(page, '#chat-launcher');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#chat-panel:not([hidden])');
    before = await botCount(page);
    await page.keyboard.type('Wann haben Sie geöffnet?');
    await page.keyboard.press('Enter');
    const easyAnswer = await botReply(page, before, 'Das Büro ist zu diesen Zeiten offen');
    if (easyAnswer.includes('Servicezeiten (') || !/\n9 Uhr|Montag: 9 Uhr/.test(easyAnswer)) fail(`not an easy-read answer: ${easyAnswer}`);
    step(`"Leichte Sprache" on (remembered across a reload): ${JSON.stringify(easyAnswer.slice(0, 160))}`);
    const axeEasy = await runAxe(page);
    writeFileSync(path.join(OUT_DIR, 'axe-easy.json'), JSON.stringify(axeEasy, null, 2));
    step(`axe-core with "Leichte Sprache" on: ${axeEasy.violations.length} violations`);
    await page.screenshot({ path: path.join(OUT_DIR, 'chat-easy.png'), fullPage: true });
    await tabTo(page, '#easy-toggle', { max: 60, shift: true });
    await page.keyboard.press('Space');
    const easyAgainOff = await page.evaluate(() => document.getElementById('easy-toggle').getAttribute('aria-pressed'));
    if (easyAgainOff !== 'false') fail('"Leichte Sprache" did not switch off with Space');
    step('"Leichte Sprache" off again with Space');

    // The upcoming tours on the page, with a calendar file each (German).
    const toursDe = await tourList(page);
    const firstDe = toursDe.items[0];
    if (!firstDe || toursDe.none !== null) fail(`the page lists no tour: ${JSON.stringify(toursDe)}`);
    if (firstDe.link !== `tours/${FIRST_TOUR}.ics` || !firstDe.name.startsWith('Zum Kalender hinzufügen')) fail(`first tour: ${JSON.stringify(firstDe)}`);
    if (toursDe.heading !== 'Die nächsten SMARTCity-Stadtrundgänge' || toursDe.all !== 'tours.ics') fail(`tour list: ${JSON.stringify(toursDe)}`);
    const calendarDe = await downloadFirstTour(page, 'de');
    if (calendarDe.suggested !== `${FIRST_TOUR}.ics` || !calendarDe.summary.startsWith('SMARTCity-Stadtrundgang')) fail(`German calendar file: ${JSON.stringify(calendarDe)}`);
    step(`${toursDe.items.length} tours listed; first ${JSON.stringify(firstDe.text)} downloaded: ${JSON.stringify(calendarDe)}`);

    // A tour answer in the chat links the same file on the page's own address.
    await page.focus('#chat-input');
    before = await botCount(page);
    await page.keyboard.type('Wann ist der nächste Rundgang?');
    await page.keyboard.press('Enter');
    const tourAnswer = await botReply(page, before, 'Termin für Ihren Kalender');
    const calendarUrl = new URL(`tours/${FIRST_TOUR}.ics`, PAGE_URL).href;
    const chatLinks = await page.evaluate((count) => [...document.querySelectorAll('#chat-log .msg.bot')].slice(count)
      .flatMap((m) => [...m.querySelectorAll('a')].map((a) => a.href)), before);
    if (!chatLinks.includes(calendarUrl)) fail(`the tour answer does not link ${calendarUrl}: ${JSON.stringify(chatLinks)} ${tourAnswer}`);
    step(`tour answer links its calendar file: ${calendarUrl}`);

    // Switch the page to English by keyboard, then back to the message field.
    await tabTo(page, '.lang-btn[data-lang="en"]', { max: 60 });
    await page.keyboard.press('Enter');
    const english = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      placeholder: document.getElementById('chat-input').placeholder,
      send: document.getElementById('chat-send').textContent,
    }));
    if (english.lang !== 'en' || english.send !== 'Send') fail(`English UI expected, got ${JSON.stringify(english)}`);
    step(`switched to English by keyboard (${JSON.stringify(english)})`);
    if (!(await page.evaluate(() => document.getElementById('easy-toggle').hidden))) fail('"Leichte Sprache" must be hidden on the English page');
    const toursEn = await tourList(page);
    const firstEn = toursEn.items[0];
    if (toursEn.heading !== 'The next SMARTCity tours' || !firstEn || firstEn.link !== `tours/${FIRST_TOUR}.ics?lang=en` || !firstEn.name.startsWith('Add to calendar')) {
      fail(`English tour list: ${JSON.stringify(toursEn)}`);
    }
    const calendarEn = await downloadFirstTour(page, 'en');
    if (!calendarEn.summary.startsWith('SMARTCity tour')) fail(`English calendar file: ${JSON.stringify(calendarEn)}`);
    step(`English tour list and calendar file: ${JSON.stringify(calendarEn)}`);
    await tabTo(page, '#chat-input', { max: 60 });

    before = await botCount(page);
    await page.keyboard.type('What are your office hours?');
    await page.keyboard.press('Enter');
    const englishAnswer = await botReply(page, before, 'Office hours (');
    if (englishAnswer.includes('Servicezeiten')) fail('English answer contains German text');
    step(`English answer: ${JSON.stringify(englishAnswer.slice(0, 160))}`);

    // Quick-reply buttons: ask what the assistant can do, then follow "Office hours" by keyboard.
    before = await botCount(page);
    await page.keyboard.type('What can you do?');
    await page.keyboard.press('Enter');
    await waitUntil(page, (count) => [...document.querySelectorAll('#chat-log .msg.bot')]
      .slice(count).some((m) => m.querySelector('.quick-replies button')), before);
    const buttons = await page.locator('#chat-log .quick-replies button:not([disabled])').allTextContents();
    step(`quick replies rendered as buttons: ${JSON.stringify(buttons)}`);
    const target = 'Office hours';
    if (!buttons.includes(target)) fail(`no "${target}" quick reply among ${JSON.stringify(buttons)}`);
    await page.focus('#chat-input');
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Shift+Tab');
      const text = await page.evaluate(() => document.activeElement.textContent);
      if (text === target) break;
    }
    if ((await page.evaluate(() => document.activeElement.textContent)) !== target) {
      fail(`could not reach the quick reply ${target} with Shift+Tab`);
    }
    if (!(await focusIsVisible(page))) fail('focus on a quick-reply button is not visible');
    before = await botCount(page);
    await page.keyboard.press('Enter');
    const followed = await botReply(page, before, 'Office hours (');
    const shown = await page.evaluate(() => [...document.querySelectorAll('#chat-log .msg.user')].pop().textContent);
    if (!shown.includes(target)) fail(`the quick reply's title should appear as the user's message, got ${shown}`);
    step(`followed the quick reply ${JSON.stringify(target)} by keyboard: ${JSON.stringify(followed.slice(0, 120))}`);

    // Structure the tests rely on: live region, labels, links built as anchors.
    const structure = await page.evaluate(() => ({
      live: document.getElementById('chat-log').getAttribute('aria-live'),
      role: document.getElementById('chat-log').getAttribute('role'),
      inputLabel: document.querySelector('label[for="chat-input"]').textContent,
      links: [...document.querySelectorAll('#chat-log .msg.bot a')].map((a) => a.getAttribute('href')),
      privacy: document.getElementById('chat-privacy').textContent,
      overflowWrap: getComputedStyle(document.querySelector('#chat-log .msg')).overflowWrap,
      whiteSpace: getComputedStyle(document.querySelector('#chat-log .msg-text')).whiteSpace,
    }));
    if (structure.live !== 'polite' || structure.role !== 'log') fail('message log is not a polite live region');
    const englishPeriod = RETENTION_DAYS === 1 ? '1 day' : `${RETENTION_DAYS} days`;
    if (!structure.privacy.includes(`deleted after ${englishPeriod}.`)) fail(`privacy notice without the configured period (${englishPeriod}): ${structure.privacy}`);
    if (structure.overflowWrap !== 'anywhere' || structure.whiteSpace !== 'pre-line') fail(`wrapping: ${JSON.stringify(structure)}`);
    step(`structure: ${JSON.stringify(structure)}`);

    // axe-core, WCAG 2.1 A/AA, with the conversation on screen.
    const axe = await runAxe(page);
    writeFileSync(path.join(OUT_DIR, 'axe.json'), JSON.stringify(axe, null, 2));
    step(`axe-core ${axe.version} (${AXE_TAGS.join(', ')}): ${axe.violations.length} violations, ${axe.passes} rules passed, incomplete: ${JSON.stringify(axe.incomplete)}`);

    await page.screenshot({ path: path.join(OUT_DIR, 'chat.png'), fullPage: true });

    // "Delete this conversation", by keyboard: a real button after the message field.
    const deletedSession = await sessionId(page);
    if (deletedSession !== firstSession) fail(`the session changed during the conversation: ${firstSession} -> ${deletedSession}`);
    await page.focus('#chat-input');
    await tabTo(page, '#chat-delete', { max: 5 });
    if (!(await focusIsVisible(page))) fail('focus on "Delete this conversation" is not visible');
    const eraseButton = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName, type: el.type, name: el.textContent, expanded: el.getAttribute('aria-expanded') };
    });
    if (eraseButton.tag !== 'BUTTON' || eraseButton.name !== 'Delete this conversation' || eraseButton.expanded !== 'false') {
      fail(`"Delete this conversation" is not a collapsed real button: ${JSON.stringify(eraseButton)}`);
    }
    await page.keyboard.press('Enter');
    const confirmStep = await page.evaluate(() => ({
      visible: !document.getElementById('chat-delete-confirm').hidden,
      expanded: document.getElementById('chat-delete').getAttribute('aria-expanded'),
      focus: document.activeElement.id,
      question: document.getElementById('chat-delete-question').textContent,
      role: document.getElementById('chat-delete-confirm').getAttribute('role'),
    }));
    if (!confirmStep.visible || confirmStep.expanded !== 'true' || confirmStep.focus !== 'chat-delete-yes' || confirmStep.role !== 'group') {
      fail(`no confirmation step: ${JSON.stringify(confirmStep)}`);
    }
    step(`"Delete this conversation" asks first: ${JSON.stringify(confirmStep)}`);
    await page.screenshot({ path: path.join(OUT_DIR, 'chat-delete-confirm.png'), fullPage: true });
    const axeConfirm = await runAxe(page);
    writeFileSync(path.join(OUT_DIR, 'axe-delete.json'), JSON.stringify(axeConfirm, null, 2));
    step(`axe-core with the confirmation open: ${axeConfirm.violations.length} violations`);

    // Escape cancels the question (not the chat), and nothing is deleted.
    await page.keyboard.press('Escape');
    const cancelled = await page.evaluate(() => ({
      confirm: document.getElementById('chat-delete-confirm').hidden,
      panel: document.getElementById('chat-panel').hidden,
      focus: document.activeElement.id,
      messages: document.querySelectorAll('#chat-log .msg').length,
    }));
    if (!cancelled.confirm || cancelled.panel || cancelled.focus !== 'chat-delete' || !cancelled.messages) {
      fail(`Escape should cancel only the question: ${JSON.stringify(cancelled)}`);
    }
    step(`Escape cancelled the question: ${JSON.stringify(cancelled)}`);

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // "Yes, delete the conversation"
    await waitUntil(page, () => document.getElementById('chat-status').textContent.includes('Your conversation has been deleted'), null, 60000);
    const newSession = await sessionId(page, deletedSession);
    const afterDelete = await page.evaluate(() => ({
      status: document.getElementById('chat-status').textContent,
      statusRole: document.getElementById('chat-status').getAttribute('role'),
      messages: document.querySelectorAll('#chat-log .msg').length,
      focus: document.activeElement.id,
      confirm: document.getElementById('chat-delete-confirm').hidden,
    }));
    if (afterDelete.messages !== 0 || afterDelete.statusRole !== 'status' || afterDelete.focus !== 'chat-input' || !afterDelete.confirm) {
      fail(`after deleting: ${JSON.stringify(afterDelete)}`);
    }
    step(`deleted the conversation ${deletedSession}; new session ${newSession}: ${JSON.stringify(afterDelete)}`);
    await page.screenshot({ path: path.join(OUT_DIR, 'chat-deleted.png'), fullPage: true });

    // Reload: the deleted conversation does not come back; a new one answers.
    await page.reload({ waitUntil: 'load' });
    await tabTo(page, '#chat-launcher');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#chat-panel:not([hidden])');
    const reloadedSession = await sessionId(page);
    const reloaded = await page.evaluate(() => ({
      messages: document.querySelectorAll('#chat-log .msg').length,
      lang: document.documentElement.lang,
    }));
    if (reloadedSession === deletedSession || reloadedSession !== newSession || reloaded.messages !== 0) {
      fail(`after reloading: session ${reloadedSession} (deleted ${deletedSession}, new ${newSession}), ${JSON.stringify(reloaded)}`);
    }
    before = await botCount(page);
    await page.keyboard.type('What are your office hours?');
    await page.keyboard.press('Enter');
    const fresh = await botReply(page, before, 'Office hours (');
    if (!(await privacyText(page)).includes(`deleted after ${englishPeriod}.`)) fail('privacy notice lost its period after the reload');
    step(`reloaded: new conversation ${reloadedSession} (${JSON.stringify(reloaded)}) answers: ${JSON.stringify(fresh.slice(0, 80))}`);

    // 200 % zoom: the same window at half the CSS width must not need horizontal scrolling.
    await page.setViewportSize({ width: 640, height: 450 });
    await page.waitForTimeout(300);
    const reflow = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      inputVisible: document.getElementById('chat-input').getBoundingClientRect().width > 100,
    }));
    await page.screenshot({ path: path.join(OUT_DIR, 'chat-zoom200.png'), fullPage: true });
    if (reflow.scrollWidth > reflow.clientWidth || !reflow.inputVisible) fail(`no reflow at 200 %: ${JSON.stringify(reflow)}`);
    step(`200 % zoom (640 CSS px): ${JSON.stringify(reflow)}`);

    if (axe.violations.length || axeConfirm.violations.length || axeEasy.violations.length) {
      fail(`axe violations: ${JSON.stringify([...axe.violations, ...axeConfirm.violations, ...axeEasy.violations], null, 1)}`);
    }
    const real = problems.filter((p) => !p.includes('favicon'));
    if (real.length) fail(`browser problems: ${real.join('; ')}`);
    const sessions = { deleted: deletedSession, new: newSession };
    const calendars = { de: calendarDe, en: calendarEn, link: calendarUrl };
    writeFileSync(path.join(OUT_DIR, 'summary.json'), JSON.stringify({ ok: true, steps, axe, axeConfirm, axeEasy, sessions, calendars, easy: easyAnswer }, null, 2));
    console.log('browser: OK');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, 'summary.json'), JSON.stringify({ ok: false, steps, error: String(err.message || err) }, null, 2));
  console.error(`browser: FAILED: ${err.message || err}`);
  process.exit(1);
});

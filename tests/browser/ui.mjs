// The web UI in a real browser: starts `oomkb serve` on 127.0.0.1 (free port), drives
// headless Chromium (Debian's /usr/bin/chromium) with playwright-core, and checks what a user
// does: "/" focuses search, typing shows results, the URL follows the query, arrows move,
// Enter opens the entry with the terms highlighted, Back restores the search, Esc clears,
// Ctrl+K focuses, no CSP violation or script error anywhere, dark mode and a phone-sized
// viewport render without horizontal scrolling. Screenshots: build/browser/*.png.
// Run through tests/browser/run.sh, which installs what it needs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(process.env.PW_MODULES + '/');
const { chromium } = require('playwright-core');

const bin = process.env.OOMKB_BIN || 'build/debug/oomkb';
const shots = process.env.SHOTS || 'build/browser';
let passed = 0;
let failed = 0;
const failures = [];

function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log('ok   ' + name);
  } else {
    failed++;
    failures.push(name);
    console.log('FAIL ' + name + (detail !== undefined ? ': ' + detail : ''));
  }
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OOMKB_DB: '' }
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[0].replace(/\/$/, '') });
      }
    });
    child.on('exit', (code) => reject(new Error('server exited with ' + code + ': ' + out)));
  });
}

const { child, base } = await startServer();
const profile = mkdtempSync(join(tmpdir(), 'oomkb-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 }
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(30000); // a deadline for a broken page, not a speed bound
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text())) {
      problems.push(m.text());
    }
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));

  // Home page, then "/" focuses the search box.
  await page.goto(base + '/');
  check('home page lists the entries', (await page.locator('nav.toc a[href="/M8"]').count()) === 1);
  await page.keyboard.press('/');
  check('"/" focuses the search box', await page.evaluate(() => document.activeElement.id === 'q'));

  // Search as you type.
  await page.keyboard.type('expandable', { delay: 30 });
  // The URL is set when the results of the whole word are shown: a pause between two keys
  // longer than the page's debounce would otherwise show (and let us read) a prefix's results.
  await page.waitForFunction(() => location.search === '?q=expandable');
  await page.waitForSelector('#results li');
  const first = await page.locator('#results li').first().innerText();
  check('typing shows results, M8 first', /^M8 — expandable_segments/.test(first), first);
  check('snippets highlight the term', (await page.locator('#results li mark').count()) > 0);
  check('the URL follows the query', page.url() === base + '/?q=expandable', page.url());
  check('the entry list is hidden while results show', await page.locator('#content').isHidden());
  await page.screenshot({ path: join(shots, 'search.png') });

  // Arrows move, Enter opens.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  const activeIndex = await page.evaluate(() =>
    Array.from(document.querySelectorAll('#results li')).findIndex((li) => li.classList.contains('active')));
  check('arrows move the selection', activeIndex === 0, activeIndex);
  await Promise.all([page.waitForURL(/\/M8\?highlight=expandable$/), page.keyboard.press('Enter')]);
  check('Enter opens the entry', /\/M8\?highlight=expandable$/.test(page.url()), page.url());
  await page.waitForSelector('article.entry mark.hl');
  const marks = await page.locator('article.entry mark.hl').allInnerTexts();
  check('the entry highlights the searched terms',
    marks.length > 0 && marks.every((t) => t.toLowerCase() === 'expandable'), JSON.stringify(marks));
  check('entry page has backlinks and prev/next',
    (await page.locator('aside.meta h2', { hasText: 'Referenced by' }).count()) === 1 &&
    (await page.locator('a[rel="next"]').count()) === 1);
  await page.screenshot({ path: join(shots, 'entry.png'), fullPage: true });

  // Anchors on headings.
  await page.goto(base + '/M8#M8');
  check('the entry title is an anchor target', await page.evaluate(() => document.querySelector(':target')?.id === 'M8'));

  // Back restores the search; Esc clears it; Ctrl+K focuses.
  await page.goto(base + '/');
  await page.locator('#q').fill('');
  await page.locator('#q').type('validation', { delay: 20 });
  await page.waitForFunction(() => location.search === '?q=validation');
  await page.waitForSelector('#results li');
  await Promise.all([page.waitForURL(/\/M15/), page.locator('#results li a').first().click()]);
  await page.goBack();
  // Restored from the back-forward cache (live results) or reloaded (server-rendered results).
  await page.locator('ol.hits li >> visible=true').first().waitFor();
  check('Back returns to the search', page.url() === base + '/?q=validation' &&
    (await page.locator('#q').inputValue()) === 'validation', page.url());
  await page.locator('#q').focus();
  await page.keyboard.press('Escape');
  check('Esc clears the query and the results',
    (await page.locator('#q').inputValue()) === '' && (await page.locator('#live').isHidden()) &&
    (await page.locator('#content').isVisible()));
  await page.locator('h1').first().click();
  await page.keyboard.press('Control+K');
  check('Ctrl+K focuses the search box', await page.evaluate(() => document.activeElement.id === 'q'));

  // A typed "/" in the box is text, not a shortcut.
  await page.keyboard.type('a/b');
  check('"/" while typing stays in the field', (await page.locator('#q').inputValue()).endsWith('a/b'));

  // A misspelling is searched corrected, and the page says so and offers the words as typed.
  await page.goto(base + '/');
  await page.locator('#q').type('fragmantation', { delay: 20 });
  await page.waitForFunction(() => location.search === '?q=fragmantation');
  await page.waitForSelector('#results li');
  const status = await page.locator('#live-status').innerText();
  check('a misspelling shows the corrected results and says so',
    /Showing results for fragmentation; search instead for fragmantation/.test(status) &&
    /^M8 /.test(await page.locator('#results li').first().innerText()), status);
  check('"search instead" links to the words as typed',
    (await page.locator('#live-status a.verbatim').getAttribute('href')) ===
    '/search?exact=1&q=fragmantation');

  // The search box lines up with the content column (its right edge is the text's).
  await page.goto(base + '/M8');
  const edges = await page.evaluate(() => {
    const box = document.getElementById('q').getBoundingClientRect();
    const body = document.querySelector('article.entry').getBoundingClientRect();
    const brand = document.querySelector('.brand').getBoundingClientRect();
    return { box: box.right, text: body.right, brand: brand.left, left: body.left };
  });
  check('the search box ends where the content column ends',
    Math.abs(edges.box - edges.text) <= 1 && Math.abs(edges.brand - edges.left) <= 1,
    JSON.stringify(edges));

  // The server-rendered search page works without the live script too.
  await page.goto(base + '/search?q=snapshot');
  check('/search renders results server-side', (await page.locator('#content ol.hits li').count()) > 0);
  await page.locator('#q').focus();
  await page.keyboard.press('ArrowDown');
  await Promise.all([page.waitForURL(/highlight=snapshot/), page.keyboard.press('Enter')]);
  check('arrows and Enter work on the server-rendered results', /highlight=snapshot/.test(page.url()), page.url());

  // Dark mode.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(base + '/M16?highlight=longest');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check('dark mode follows prefers-color-scheme', bg === 'rgb(20, 20, 26)', bg);
  await page.screenshot({ path: join(shots, 'entry-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });

  // A phone.
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/M1', '/M9', '/search?q=zero']) {
    await phone.goto(base + path);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('no horizontal scroll on a phone: ' + path, overflow <= 0, overflow + 'px');
  }
  await phone.goto(base + '/M1');
  await phone.screenshot({ path: join(shots, 'mobile.png'), fullPage: false });
  await phone.close();

  check('no CSP violation or script error', problems.length === 0, problems.join(' | '));
} catch (e) {
  check('browser run', false, e.stack || String(e));
} finally {
  if (context) {
    await context.close();
  }
  child.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// The web UI in a real browser: starts `oomkb serve` on 127.0.0.1 (free port), drives
// headless Chromium (Debian's /usr/bin/chromium) with playwright-core, and checks what a user
// does: "/" focuses search, typing shows results, the URL follows the query, arrows move,
// Enter opens the entry with the terms highlighted, Back restores the search, Esc clears,
// Ctrl+K focuses, no CSP violation or script error anywhere, dark mode and a phone-sized
// viewport render without horizontal scrolling; a pasted OOM message in the search box shows
// the diagnosis card above the results (a whole pasted log too), and /diagnose works as a plain
// form with JavaScript off. Screenshots: build/browser/*.png.
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

  // The project's own entry (kb/gpu0-memory.md): a GPU-0 symptom finds it, and it links into the guide.
  await page.goto(base + '/');
  await page.locator('#q').fill('');
  await page.locator('#q').type('all processes on gpu 0', { delay: 10 });
  await page.waitForSelector('#results li');
  await Promise.all([page.waitForURL(/\/G1/), page.locator('#results li a').first().click()]);
  check('a GPU-0 symptom opens G1', /\/G1/.test(page.url()), page.url());
  await page.waitForSelector('article.entry');
  const g1links = await page.locator('article.entry a[href="M3"], article.entry a[href="U10"], article.entry a[href="M9"]').count();
  check('G1 links to M3, U10 and M9', g1links >= 3, g1links);

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

  // A pasted OOM message: the diagnosis card above the results, the query kept in the box.
  const oom = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has ' +
    'a total capacity of 23.65 GiB of which 15.06 MiB is free. Including non-PyTorch memory, this ' +
    'process has 23.62 GiB memory in use. Of the allocated memory 20.53 GiB is allocated by ' +
    'PyTorch, and 2.64 GiB is reserved by PyTorch but unallocated. If reserved but unallocated ' +
    'memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid ' +
    'fragmentation.  See documentation for Memory Management  ' +
    '(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)';
  await page.goto(base + '/');
  await page.locator('#q').fill(oom); // one input event, as a paste
  await page.waitForSelector('#live-diagnosis section.diagnosis');
  const card = await page.locator('#live-diagnosis section.diagnosis').first().innerText();
  check('a pasted OOM message shows the verdict', /Verdict: fragmentation/.test(card), card.slice(0, 200));
  check('the card links the entries to apply', (await page.locator('#live-diagnosis a[href="/M8"]').count()) === 1);
  await page.waitForSelector('#results li');
  const cardBox = await page.locator('#live-diagnosis').boundingBox();
  const hitBox = await page.locator('#results li').first().boundingBox();
  check('the card is above the search results', cardBox && hitBox && cardBox.y < hitBox.y);
  check('the pasted query stays in the box', (await page.locator('#q').inputValue()) === oom);
  check('no "too long" anywhere', !/too long/i.test(await page.locator('body').innerText()));
  await page.screenshot({ path: join(shots, 'paste-search.png') });

  // A whole pasted log, too long for a URL, is diagnosed by POST.
  let log = '';
  for (let i = 1; i <= 300; i++) {
    log += '[2024-06-01 03:00:00] step ' + i + ' | loss 2.31 | lr 2.0e-05\n';
  }
  await page.locator('#q').fill(log + oom);
  await page.waitForFunction(() => /1 out-of-memory event/.test(document.getElementById('live-status').textContent));
  const longCard = await page.locator('#live-diagnosis section.diagnosis').first().innerText();
  check('a pasted whole log is diagnosed', /Verdict: fragmentation/.test(longCard) && /step 300/.test(longCard),
    longCard.slice(0, 200));

  // The server-rendered search page shows the card too.
  await page.goto(base + '/search?q=' + encodeURIComponent(oom));
  check('/search shows the card above the results',
    (await page.locator('#content section.diagnosis[data-verdict="fragmentation"]').count()) === 1 &&
    (await page.locator('#q').inputValue()) === oom.replace(/\s+/g, ' '));

  // /diagnose as a plain form, JavaScript off.
  const plain = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const ctx = await plain.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
    const form = await ctx.newPage();
    await form.goto(base + '/diagnose');
    await form.locator('textarea#log').fill(oom);
    await Promise.all([form.waitForNavigation(), form.locator('form.diagnose-form button').click()]);
    const v = await form.locator('section.diagnosis p.verdict').first().innerText();
    check('/diagnose without JavaScript shows the verdict', /Verdict: fragmentation/.test(v), v);
    check('/diagnose keeps the pasted text', (await form.locator('textarea#log').inputValue()) === oom);
    await form.screenshot({ path: join(shots, 'diagnose.png'), fullPage: true });
    await ctx.close();
  } finally {
    await plain.close();
  }

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
  for (const path of ['/', '/M1', '/M9', '/search?q=zero', '/diagnose']) {
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

// respond.mjs: the respondent's side in a real headless Chromium.
//
//   node tests/browser/respond.mjs BASE_URL OPEN_LINK
//
// BASE_URL is a running `mognad serve`, OPEN_LINK the path of an open
// round's unit link (/o/...): each new browser context that follows it gets
// its own respondent session. Prints one line per check and "N passed,
// M failed" last; exits 1 when a check failed. Run by
// tests/integration/test_browser.py, which sets up the round and server.
import { axe, check, finish, launch } from './lib.mjs';
const [base, link] = process.argv.slice(2);
if (!base || !link) {
  console.error('usage: node respond.mjs BASE_URL OPEN_LINK');
  process.exit(2);
}

const browser = await launch();

async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return {
      tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
      primary: e.classList.contains('primary'), inSubmit: !!e.closest('form.submit'),
    };
  });
}

// Presses Tab until `want(focused)` holds; false after too many presses.
async function tabTo(page, want) {
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    if (want(await focused(page))) return true;
  }
  return false;
}

async function pressAndWait(page, key) {
  await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
}

// Answers every area page with the keyboard alone: Tab into each question's
// radio group, ArrowDown to choose, Tab on to "Next".
async function answerByKeyboard(page, opts) {
  check(await tabTo(page, (f) => f.tag === 'a' && f.primary), `${opts.name}: Start is reachable by Tab`);
  await pressAndWait(page, 'Enter');
  let pages = 0;
  while (/\/survey\/page\/\d+$/.test(page.url())) {
    pages++;
    if (opts.checkPage) await opts.checkPage(page, pages);
    const answered = new Set();
    let moved = false;
    for (let i = 0; i < 400 && !moved; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (f.type === 'radio' && f.name.startsWith('a.') && !answered.has(f.name)) {
        await page.keyboard.press('ArrowDown');
        answered.add(f.name);
      } else if (f.tag === 'button' && f.name === 'nav' && f.value === 'next') {
        await pressAndWait(page, 'Enter');
        moved = true;
      }
    }
    if (!moved) {
      check(false, `${opts.name}: reached Next on page ${pages}`);
      return pages;
    }
  }
  check(page.url().endsWith('/survey/review'), `${opts.name}: the last page leads to the review`);
  return pages;
}

async function noSideScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

async function flow(opts) {
  const context = await browser.newContext({
    locale: opts.locale, javaScriptEnabled: opts.js, viewport: opts.viewport,
  });
  const page = await context.newPage();
  await page.goto(base + link);
  check(page.url() === base + '/survey', `${opts.name}: the link is exchanged for /survey`);
  check(await page.getAttribute('html', 'lang') === opts.lang, `${opts.name}: <html lang="${opts.lang}">`);
  if (opts.axe) await axe(page, `${opts.name} welcome`);
  const pages = await answerByKeyboard(page, {
    name: opts.name,
    checkPage: async (p, n) => {
      if (opts.axe && n === 1) await axe(p, `${opts.name} area page`);
      if (opts.narrow && n <= 2) check(await noSideScroll(p), `${opts.name}: page ${n} fits ${opts.viewport.width} px`);
    },
  });
  check(pages >= 8, `${opts.name}: answered ${pages} area pages`);
  if (opts.axe) await axe(page, `${opts.name} review`);
  const review = await page.textContent('main');
  check(!review.includes(opts.notAnswered), `${opts.name}: every question answered on the review`);
  check(await tabTo(page, (f) => f.tag === 'button' && f.inSubmit), `${opts.name}: Send is reachable by Tab`);
  await pressAndWait(page, 'Enter');
  const h1 = await page.textContent('h1');
  check(h1.includes(opts.profileTitle), `${opts.name}: the profile follows ("${h1}")`);
  check(await page.locator('svg[role="img"]').count() >= 1, `${opts.name}: the profile has its chart`);
  check(await page.locator('table.profile tbody tr').count() >= 8, `${opts.name}: and its table`);
  if (opts.narrow) check(await noSideScroll(page), `${opts.name}: the profile fits ${opts.viewport.width} px`);
  if (opts.axe) await axe(page, `${opts.name} profile`);
  await context.close();
}

const sv = { lang: 'sv', locale: 'sv-SE', profileTitle: 'Din kompetensprofil', notAnswered: 'Inte besvarad' };
const nn = { lang: 'nn', locale: 'nn-NO', profileTitle: 'Kompetanseprofilen din', notAnswered: 'Ikkje svara på' };

await flow({ ...sv, name: 'sv, keyboard, JavaScript on', js: true, axe: true, viewport: { width: 1280, height: 900 } });
await flow({ ...nn, name: 'nn, phone, keyboard, JavaScript on', js: true, axe: true, narrow: true,
  viewport: { width: 320, height: 640 } });
await flow({ ...nn, name: 'nn, keyboard, JavaScript off', js: false, viewport: { width: 1024, height: 800 } });

// A reload in the middle of a page keeps the answers respond.js saved.
{
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(base + link);
  await page.goto(base + '/survey/page/2');
  const radios = page.locator('fieldset.question input[type="radio"]');
  const first = radios.nth(1);
  const name = await first.getAttribute('name');
  const saved = page.waitForResponse((r) => r.url().endsWith('/survey/page/2') && r.request().method() === 'POST');
  await first.check();
  check((await saved).status() === 204, 'reload: the answer is saved in the background');
  await page.reload();
  check(await page.locator(`input[name="${name}"]:checked`).count() === 1, 'reload: the answer is still chosen');
  // The error summary: Next without the other answers.
  await Promise.all([page.waitForNavigation(), page.click('button[value="next"]')]);
  check(await page.locator('#error-summary').count() === 1, 'errors: a summary lists the missing answers');
  check(await page.evaluate(() => document.activeElement.id) === 'error-summary', 'errors: the summary has focus');
  await axe(page, 'a page with errors');
  await page.goto(base + '/accessibility');
  await axe(page, 'the accessibility statement');
  await context.close();
}

await browser.close();
finish();

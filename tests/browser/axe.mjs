// An automated WCAG 2.1 A and AA audit of a page with axe-core. Serious and critical
// violations fail the test; minor and moderate ones are printed for people to look at. The
// landmark rules are held to as well, though axe files them under best practice: every page
// has one main landmark and keeps all its content (the message box included) in landmarks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const AXE_SOURCE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANDMARKS = ['landmark-one-main', 'region', 'landmark-no-duplicate-main', 'landmark-unique', 'aria-allowed-role'];
const FAILING = new Set(['serious', 'critical']);
const NODES_SHOWN = 3;
const HTML_SHOWN = 160;

/** Audits the page as it is now; `label` says which page, colour scheme and viewport it is. */
export async function assertAccessible(page, label) {
  // The pages' Content-Security-Policy allows no inline script, so axe is not added as a
  // <script>: it is evaluated through DevTools, which the page's CSP does not govern.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);

  // A colour mid-transition (a message fading in, a button's hover) is not the colour people
  // read, so finite animations and transitions finish first; endless ones (spinners) cannot.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished.catch(() => {}))));

  const audit = async ([runOnly]) => {
    const results = await window.axe.run(document, { runOnly });
    return results.violations.map(({ id, impact, help, helpUrl, nodes }) => ({
      id, impact, help, helpUrl,
      nodes: nodes.map((node) => ({ target: node.target.flat(Infinity).join(' '), html: node.html })),
    }));
  };
  const violations = await page.evaluate(audit, [{ type: 'tag', values: WCAG_21_AA }]);
  const landmarks = await page.evaluate(audit, [{ type: 'rule', values: LANDMARKS }]);

  const failing = [...violations.filter((violation) => FAILING.has(violation.impact)), ...landmarks];
  const lesser = violations.filter((violation) => !FAILING.has(violation.impact));
  if (lesser.length) console.log(`accessibility of ${label}, not failing:\n${describe(lesser)}`);
  assert.ok(failing.length === 0,
    `${label} (${page.url()}) has ${failing.length} serious or critical WCAG 2.1 AA or landmark violations:\n${describe(failing)}`);
}

function describe(violations) {
  return violations.map(({ id, impact, help, helpUrl, nodes }) => {
    const shown = nodes.slice(0, NODES_SHOWN).map(({ target, html }) =>
      `    ${target}\n      ${html.length > HTML_SHOWN ? `${html.slice(0, HTML_SHOWN)}…` : html}`);
    if (nodes.length > NODES_SHOWN) shown.push(`    … and ${nodes.length - NODES_SHOWN} more`);
    return `  ${id} (${impact}): ${help} <${helpUrl}>\n${shown.join('\n')}`;
  }).join('\n');
}

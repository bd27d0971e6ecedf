// The exchange's measures beyond bench/exchange-load.mjs, for the main bench (bench/run.mjs) in
// one call: the release binary under fault (exchange-faults.mjs: start-up, a provider that resets,
// trickles or sends 10 MB, SIGTERM under load), a slowloris of 5,000 connections
// (exchange-slowloris.mjs), two copies behind nginx with one stopped mid-run (exchange-lb.mjs),
// and, with `soak`, ten minutes at 50 token requests at once (exchange-soak.mjs). Each also runs
// alone: `node bench/exchange-<name>.mjs` (see its header).
//
// `runExchangeMeasures()` returns `{ figures, markdown }`: every measure's figures (a measure that
// could not run, e.g. nginx not installable, is `{ skipped: why }`) and their tables, for
// bench/results.md.
import { faultsTable, runExchangeFaults } from './exchange-faults.mjs';
import { lbTable, runExchangeLb } from './exchange-lb.mjs';
import { runExchangeSlowloris, slowlorisTable } from './exchange-slowloris.mjs';
import { runExchangeSoak, soakSummary } from './exchange-soak.mjs';

/** Runs `measure`, or says why it could not. */
async function attempt(name, measure, log) {
  try {
    const figures = await measure();
    log(`${name}: ${figures.ok ? 'ok' : 'NOT ok'}`);
    return figures;
  } catch (e) {
    log(`${name}: skipped: ${e.message}`);
    return { skipped: e.message };
  }
}

export async function runExchangeMeasures({ soak = false, log = () => {} } = {}) {
  const figures = {
    faults: await attempt('exchange under fault', () => runExchangeFaults({ quiet: true }), log),
    slowloris: await attempt('exchange under a slowloris', () => runExchangeSlowloris({ quiet: true }), log),
    loadBalancer: await attempt('two copies behind nginx', () => runExchangeLb({ quiet: true }), log),
  };
  if (soak) figures.soak = await attempt('exchange soak', () => runExchangeSoak({ quiet: true }), log);
  const section = (title, f, table) => (f.skipped ? `${title}: not measured (${f.skipped}).` : table(f));
  const markdown = [
    section('The exchange under fault', figures.faults, faultsTable),
    section('The exchange under a slowloris', figures.slowloris, slowlorisTable),
    section('Two copies behind nginx', figures.loadBalancer, lbTable),
    ...(soak ? [section('The exchange soak', figures.soak, (f) => `Exchange soak (release, ${f.concurrency} token requests at once, ${f.seconds} s): ${soakSummary(f)}`)] : []),
  ].join('\n\n');
  return { figures, markdown };
}

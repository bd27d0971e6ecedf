// npm run fuzz [seconds] [target ...]: runs every fuzz target of fuzz/ (cargo fuzz, libFuzzer, on
// the machine's nightly toolchain) for `seconds` each (60 by default), one after the other, and
// prints a table of target, executions and crashes, also appended to fuzz/results.md.
//
// Each target starts from its checked-in seeds (fuzz/corpus/<target>/) and the crashes found
// before (fuzz/regressions/<target>/), plus what earlier runs on this machine added
// (target/fuzz/corpus/<target>/, where libFuzzer writes new inputs: the checked-in seeds stay as
// they are). A crash, timeout or out-of-memory input is copied into fuzz/regressions/<target>/,
// which `cargo test --manifest-path fuzz/Cargo.toml` (npm test) replays from then on, and the
// run fails. A regression that still fails is reported as such before its target is fuzzed.
//
// Everything is built into target/fuzz (not the workspace's target/): the targets are built on
// nightly with AddressSanitizer and coverage instrumentation. cargo-fuzz is installed the first
// time (`cargo install --locked cargo-fuzz`).

import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fuzzDir = path.join(root, 'fuzz');
// CARGO_TARGET_DIR, when set, holds the build instead (its own triple's folder keeps it apart).
const targetDir = path.resolve(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target', 'fuzz'));
const env = { ...process.env, PATH: `${os.homedir()}/.cargo/bin:${process.env.PATH}` };
// Inputs up to 17 KiB, so that the 16 KiB bounds of the form parser, the stored records and the
// exchange's body are crossed.
const MAX_LEN = 17 * 1024;

function usage(message) {
  console.error(`fuzz: ${message}\nusage: npm run fuzz [seconds] [target ...]   (60 seconds each by default)`);
  process.exit(2);
}

function targets() {
  const manifest = fs.readFileSync(path.join(fuzzDir, 'Cargo.toml'), 'utf8');
  return [...manifest.matchAll(/\[\[bin\]\]\s*\nname = "([^"]+)"/g)].map((m) => m[1]);
}

const args = process.argv.slice(2);
let seconds = 60;
if (args.length && /^\d+$/.test(args[0])) seconds = Number(args.shift());
if (!(seconds >= 1)) usage('the time per target must be a whole number of seconds, 1 or more');
const all = targets();
for (const name of args) if (!all.includes(name)) usage(`no target ${name} (targets: ${all.join(', ')})`);
const chosen = args.length ? args : all;

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { cwd: root, env, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status;
}

// cargo-fuzz, once.
if (spawnSync('cargo', ['fuzz', '--version'], { env }).status !== 0) {
  console.log('fuzz: installing cargo-fuzz (once)');
  if (run('cargo', ['install', '--locked', 'cargo-fuzz']) !== 0) usage('cargo install cargo-fuzz failed');
}
if (spawnSync('cargo', ['+nightly', '--version'], { env }).status !== 0) {
  usage('libFuzzer needs a nightly toolchain (rustup toolchain list shows none)');
}

const cargoFuzz = (sub, ...rest) => [
  '+nightly', 'fuzz', sub, '--fuzz-dir', fuzzDir, '--features', 'fuzzing', '--target-dir', targetDir, ...rest,
];

console.log(`fuzz: building ${chosen.length} target(s) on nightly`);
for (const name of chosen.length === all.length ? [undefined] : chosen) {
  if (run('cargo', cargoFuzz('build', ...(name ? [name] : []))) !== 0) usage('the build failed');
}
const binary = (name) => path.join(targetDir, 'x86_64-unknown-linux-gnu', 'release', name);

const files = (dir) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()) : [];

// "panicked at src/lib.rs:514:5" (and the next line): what a crash is, to tell a known one.
function panicOf(log) {
  const m = log.match(/panicked at ([^\n]+):\n([^\n]*)/);
  if (m) return `${m[1]}: ${m[2]}`;
  const e = log.match(/ERROR: (?:libFuzzer|AddressSanitizer): ([^\n]+)/);
  return e ? e[1] : 'unknown failure';
}

function runFuzzer(name, corpora, seconds) {
  const artifacts = path.join(targetDir, 'artifacts', name) + path.sep;
  fs.mkdirSync(artifacts, { recursive: true });
  const logDir = path.join(targetDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const argv = [
    ...corpora,
    `-max_total_time=${seconds}`,
    `-max_len=${MAX_LEN}`,
    '-timeout=10',
    '-rss_limit_mb=4096',
    `-artifact_prefix=${artifacts}`,
    '-print_final_stats=1',
  ];
  return new Promise((resolve) => {
    const child = spawn(binary(name), argv, { cwd: root, env });
    const out = fs.createWriteStream(logFile);
    let log = '';
    const take = (chunk) => {
      out.write(chunk);
      log += chunk;
      if (log.length > 1 << 20) log = log.slice(-(1 << 19));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code, signal) => {
      out.end();
      resolve({ code, signal, log, logFile });
    });
  });
}

// libFuzzer's -minimize_crash (at most 20 s): the smallest input it finds that fails at the
// same place, or the crash as found.
function minimized(name, artifact, panic) {
  const out = `${artifact}.min`;
  spawnSync(binary(name), ['-minimize_crash=1', '-max_total_time=20', `-exact_artifact_path=${out}`, artifact], {
    cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26,
  });
  if (fs.existsSync(out)) {
    const r = spawnSync(binary(name), [out], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0 && panicOf(`${r.stdout}${r.stderr}`) === panic) return fs.readFileSync(out);
  }
  return fs.readFileSync(artifact);
}

const rows = [];
let failed = false;
for (const name of chosen) {
  const seeds = path.join(fuzzDir, 'corpus', name);
  const regressionDir = path.join(fuzzDir, 'regressions', name);
  const working = path.join(targetDir, 'corpus', name);
  fs.mkdirSync(working, { recursive: true });

  // Regressions first: each one that still fails is a known crash, not fuzzed from.
  const known = new Map(); // panic -> file
  const regressions = files(regressionDir);
  for (const file of regressions) {
    const r = spawnSync(binary(name), [file], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) known.set(panicOf(`${r.stdout}${r.stderr}`), path.relative(root, file));
  }
  const stillFailing = new Set(known.values());
  const seedDirs = [seeds];
  const passing = regressions.filter((f) => !stillFailing.has(path.relative(root, f)));
  if (passing.length) {
    // libFuzzer reads corpus directories: the passing regressions go in through a copy.
    const dir = path.join(targetDir, 'regression-seeds', name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const f of passing) fs.copyFileSync(f, path.join(dir, path.basename(f)));
    seedDirs.push(dir);
  }

  process.stdout.write(`fuzz: ${name}: ${seconds} s ... `);
  const { code, signal, log, logFile } = await runFuzzer(name, [working, ...seedDirs], seconds);
  const units = log.match(/stat::number_of_executed_units:\s*(\d+)/) ?? log.match(/Done (\d+) runs/);
  const progress = [...log.matchAll(/^#(\d+)\s/gm)].at(-1);
  const executions = Number(units?.[1] ?? progress?.[1] ?? 0);
  const crashes = [];
  const written = [...log.matchAll(/Test unit written to (\S+)/g)].map((m) => m[1]);
  for (const artifact of written) {
    const kind = path.basename(artifact).split('-')[0]; // crash, timeout, oom, leak (not slow-unit)
    if (kind === 'slow') continue;
    const panic = panicOf(log);
    const bytes = fs.readFileSync(artifact);
    if (known.has(panic)) {
      crashes.push({ kind, panic, file: known.get(panic), known: true });
      continue;
    }
    fs.mkdirSync(regressionDir, { recursive: true });
    const kept = kind === 'crash' ? minimized(name, artifact, panic) : bytes;
    const file = path.join(regressionDir, `${kind}-${createHash('sha1').update(kept).digest('hex')}`);
    fs.writeFileSync(file, kept);
    crashes.push({ kind, panic, file: path.relative(root, file), hex: kept.toString('hex') });
  }
  if (!written.length && code !== 0) {
    crashes.push({ kind: 'failure', panic: `exit ${code ?? signal}; see ${path.relative(root, logFile)}` });
  }
  for (const [panic, file] of known) {
    if (!crashes.some((c) => c.file === file)) crashes.push({ kind: 'crash', panic, file, known: true });
  }
  const line = `${executions.toLocaleString('en-US')} executions, ${crashes.length} crash(es)`;
  console.log(line);
  for (const c of crashes) {
    console.log(`  ${c.known ? 'still failing' : `new ${c.kind}`}: ${c.file ?? ''}\n    ${c.panic}`);
    if (c.hex !== undefined) console.log(`    input (hex): ${c.hex.length > 400 ? `${c.hex.slice(0, 400)}...` : c.hex}`);
  }
  if (crashes.length) failed = true;
  rows.push({ name, executions, crashes });
}

const toolchain = spawnSync('rustc', ['+nightly', '--version'], { env, encoding: 'utf8' }).stdout.trim();
const total = rows.reduce((s, r) => s + r.executions, 0);
const table = [
  '| target | executions | crashes |',
  '| --- | ---: | ---: |',
  ...rows.map((r) => `| \`${r.name}\` | ${r.executions.toLocaleString('en-US')} | ${r.crashes.length} |`),
  `| all ${rows.length} | ${total.toLocaleString('en-US')} | ${rows.reduce((s, r) => s + r.crashes.length, 0)} |`,
].join('\n');
const details = rows
  .flatMap((r) => r.crashes.map((c) => `- \`${r.name}\`: ${c.known ? 'still failing' : c.kind} \`${c.file ?? ''}\`: ${c.panic}`))
  .join('\n');
const date = new Date().toISOString().slice(0, 10);
// Appended: fuzz/results.md is the log of every run (the README cites the earlier ones).
const resultsFile = path.join(fuzzDir, 'results.md');
const before = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8').trimEnd() : '# Fuzzing results';
const section = `\`npm run fuzz ${seconds}${args.length ? ` ${chosen.join(' ')}` : ''}\` on ${date}: ${seconds} s per target, one after the other, on
${os.cpus().length} CPUs (${toolchain}, AddressSanitizer, debug assertions).

${table}
${details ? `\nCrashes (each input is in fuzz/regressions/<target>/):\n\n${details}\n` : ''}`;
fs.writeFileSync(resultsFile, `${before}\n\n${section}`);
console.log(`\n${table}\n\nfuzz: appended to fuzz/results.md`);
process.exit(failed ? 1 : 0);

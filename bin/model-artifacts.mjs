#!/usr/bin/env node
// model-artifacts command line: inspect, verify, convert and copy
// TensorFlow.js models (model.json + weight shards).
import {parseArgs} from 'node:util';
import {readFileSync} from 'node:fs';
import {oneLine} from '../cli/format.mjs';

const COMMANDS = {
  inspect: () => import('../cli/commands/inspect.mjs'),
  verify: () => import('../cli/commands/verify.mjs'),
  convert: () => import('../cli/commands/convert.mjs'),
  copy: () => import('../cli/commands/copy.mjs'),
};

const HELP = `Usage: model-artifacts <command> [options]

Inspect, verify, convert and copy TensorFlow.js models (model.json + weight
shards), on disk or over HTTP.

Commands:
  inspect <path|url>          format, producer, sizes, signature, shards, weights
  verify <path|url>           load everything, check sizes and hashes, decode
                              every weight; exit status 1 on any problem
  convert <src> <dst>         write a new model folder, optionally quantized
                              (--quantize), re-sharded (--shard-size), with
                              sha256 hashes (--hashes)
  copy <src-url> <dst-url>    copy a model between file:// and http(s)://

A model is a model.json, a folder holding one, a file:// URL, or an http(s)://
URL. Sizes read as 1048576, 512KiB, 4MB or 4MiB (all binary: 4MB = 4194304).

Options for every command:
  -h, --help     help (overall, or for one command: model-artifacts inspect --help)
  -V, --version  print the version
  -q, --quiet    no progress bar (it only appears when stderr is a terminal)
  --verbose      print stack traces and causes of errors

Errors print one line, "model-artifacts: E_CODE: message", and exit with 1.
`;

const GLOBAL_OPTIONS = {
  help: {type: 'boolean', short: 'h'},
  version: {type: 'boolean', short: 'V'},
  quiet: {type: 'boolean', short: 'q'},
  verbose: {type: 'boolean'},
};

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function errorCode(err) {
  if (typeof err?.code === 'string' && /^E_[A-Z0-9_]+$/.test(err.code)) return err.code;
  if (typeof err?.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) return 'E_INVALID_ARGUMENT';
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) return 'E_FS';   // ENOENT, EACCES, ...
  return 'E_INTERNAL';
}

function printError(err, verbose) {
  process.stderr.write(`model-artifacts: ${errorCode(err)}: ${oneLine(err?.message ?? err)}\n`);
  if (verbose) {
    let e = err;
    let depth = 0;
    while (e && depth++ < 8) {
      process.stderr.write(`${depth > 1 ? 'caused by: ' : ''}${e?.stack ?? String(e)}\n`);
      e = e?.cause;
    }
  }
}

async function main(argv) {
  const verbose = argv.includes('--verbose');
  const index = argv.findIndex(a => !a.startsWith('-'));
  const name = index === -1 ? undefined : argv[index];
  const rest = index === -1 ? argv : [...argv.slice(0, index), ...argv.slice(index + 1)];
  try {
    if (name === undefined) {
      const {values} = parseArgs({args: rest, options: GLOBAL_OPTIONS, strict: true});
      if (values.version) { process.stdout.write(`${version()}\n`); return 0; }
      if (values.help) { process.stdout.write(HELP); return 0; }
      process.stderr.write(HELP);
      return 1;
    }
    if (name === 'help') {
      const topic = rest.find(a => !a.startsWith('-'));
      if (topic && COMMANDS[topic]) process.stdout.write((await COMMANDS[topic]()).help);
      else process.stdout.write(HELP);
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      const e = new Error(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
      e.code = 'E_INVALID_ARGUMENT';
      throw e;
    }
    const command = await COMMANDS[name]();
    const {values, positionals} = parseArgs({
      args: rest, options: {...GLOBAL_OPTIONS, ...command.options}, strict: true, allowPositionals: true,
    });
    if (values.help) { process.stdout.write(command.help); return 0; }
    if (values.version) { process.stdout.write(`${version()}\n`); return 0; }
    const controller = new AbortController();
    const onSigint = () => { controller.abort(new Error('interrupted')); process.off('SIGINT', onSigint); };
    process.on('SIGINT', onSigint);
    try {
      return await command.run(positionals, values, {
        progress: !values.quiet && process.stderr.isTTY === true,
        signal: controller.signal,
        verbose,
        out: (text) => process.stdout.write(text),
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
  } catch (err) {
    printError(err, verbose);
    return 1;
  }
}

process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);   // e.g. `| head`
  throw err;
});

process.exitCode = await main(process.argv.slice(2));

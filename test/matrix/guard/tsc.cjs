// Matrix only: `tsc --noEmit -p <tsconfig>` for several tsconfigs in one process, with everything
// outside the cell hidden from the compiler (a cell lives under the repo's .matrix/, so TypeScript
// would otherwise also find the repo's own node_modules and its @types, and check a program no
// user has).
//
//   node tsc.cjs tsconfig.a.json tsconfig.b.json …   (TRACKREF_MATRIX_CELL = the cell directory)
//
// Prints one JSON line per tsconfig: { config, ok, diagnostics (tsc's text), files (the program) }.
// The diagnostics are tsc's: config, options, global, syntactic and semantic ones. Parsed
// declaration files are shared between tsconfigs whose compiler options differ only in `types`
// (parsing and binding lib and runner declarations is most of a small check's time).
'use strict';
const path = require('node:path');

const cell = process.env.TRACKREF_MATRIX_CELL;
if (!cell) throw new Error('TRACKREF_MATRIX_CELL is not set');
const ts = require(path.join(cell, 'node_modules', 'typescript'));
const { sys } = ts;

const inside = (p) => {
  const abs = path.resolve(p);
  return abs === cell || abs.startsWith(cell + path.sep);
};
const hide = (name, hidden) => {
  const original = sys[name];
  if (typeof original === 'function') sys[name] = (p, ...rest) => (inside(p) ? original.call(sys, p, ...rest) : hidden);
};
hide('fileExists', false);
hide('directoryExists', false);
hide('readFile', undefined);
hide('getDirectories', []);
hide('readDirectory', []);

const caches = new Map();

function check(configPath) {
  const absolute = path.resolve(configPath);
  const configErrors = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(absolute, {}, {
    ...sys,
    onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d),
  });
  if (!parsed) return { config: configPath, ok: false, diagnostics: format(configErrors), files: [] };
  const { types: _types, configFilePath: _configFilePath, ...rest } = parsed.options;
  const key = JSON.stringify(rest);
  if (!caches.has(key)) caches.set(key, new Map());
  const cache = caches.get(key);
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const own = path.resolve(fileName).startsWith(path.dirname(absolute) + path.sep) && !fileName.includes('node_modules');
    if (own) return getSourceFile.call(host, fileName, languageVersionOrOptions, onError, shouldCreate);
    const cacheKey = `${fileName}|${JSON.stringify(typeof languageVersionOrOptions === 'object' ? { ...languageVersionOrOptions, setExternalModuleIndicator: undefined } : languageVersionOrOptions)}`;
    if (!cache.has(cacheKey)) cache.set(cacheKey, getSourceFile.call(host, fileName, languageVersionOrOptions, onError, shouldCreate));
    return cache.get(cacheKey);
  };
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
  const diagnostics = [...configErrors, ...ts.getPreEmitDiagnostics(program)];
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  return { config: configPath, ok: errors.length === 0, diagnostics: format(diagnostics), files: program.getSourceFiles().map((f) => f.fileName) };
}

function format(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

for (const config of process.argv.slice(2)) {
  let result;
  try {
    result = check(config);
  } catch (error) {
    result = { config, ok: false, diagnostics: String(error.stack ?? error), files: [] };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

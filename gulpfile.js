// Builds the package users receive: the library (src/) at miniprogram_dist/ and the component
// (components/phone-button/) at miniprogram_dist/phone-button/. `dev` also feeds the demo and watches.
const fs = require('fs');
const { Transform } = require('stream');
const { src, dest, series, watch } = require('gulp');
const ts = require('gulp-typescript');
const merge = require('merge2');

const DIST = 'miniprogram_dist';
// Where the WeChat developer tool's "构建 npm" would put the package, so the demo uses the user's paths.
const DEMO_PACKAGE = 'miniprogram/miniprogram_npm/miniprogram-phone-button';
const TS_SOURCES = ['src/**/*.ts', 'components/**/*.ts'];
const COMPONENT_ASSETS = ['components/**/*.{json,wxml,wxss,wxs}'];

const tsProject = ts.createProject('tsconfig.json', { declaration: true });

/**
 * Each glob's parent folder is the file's base, so src/index.ts lands at index.js and
 * components/phone-button/index.ts at phone-button/index.js. The component imports the library as
 * ../../src/... in the source tree; one folder up is the library in the dist tree.
 */
function pointComponentsAtDistLibrary() {
  return new Transform({
    objectMode: true,
    transform(file, _encoding, done) {
      if (file.base.endsWith('components') && file.isBuffer()) {
        const rewritten = file.contents.toString().replace(/(["'])\.\.\/\.\.\/src(\/[^"']*)?\1/g, '$1..$2$1');
        file.contents = Buffer.from(rewritten);
      }
      done(null, file);
    },
  });
}

/** Removes a folder, so a module deleted from the source does not linger in the output. */
function cleaner(folder) {
  return function clean(done) {
    fs.rmSync(folder, { recursive: true, force: true });
    done();
  };
}

function compile() {
  const result = src(TS_SOURCES).pipe(tsProject());
  const output = merge([result.js, result.dts]).pipe(pointComponentsAtDistLibrary()).pipe(dest(DIST));
  // gulp-typescript reports type errors and still emits; merge2 does not pass its error on. A build with type
  // errors must fail (npm pack builds through prepack), so the error is handed to the stream gulp watches.
  result.on('error', (error) => output.emit('error', error));
  return output;
}

function copyAssets() {
  return src(COMPONENT_ASSETS).pipe(dest(DIST));
}

function copyToDemo() {
  return src(`${DIST}/**/*`).pipe(dest(DEMO_PACKAGE));
}

function watchSources() {
  watch([...TS_SOURCES, ...COMPONENT_ASSETS], dev);
}

const build = series(cleaner(DIST), compile, copyAssets);
const dev = series(build, cleaner(DEMO_PACKAGE), copyToDemo);

exports.build = build;
exports.dev = series(dev, watchSources);
exports.default = build;

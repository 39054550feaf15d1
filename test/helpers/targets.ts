import fs from 'fs';
import path from 'path';
import simulate from 'miniprogram-simulate';
import type * as Library from '../../src/index';

/** A build of the package under test: the TypeScript source, or miniprogram_dist as users receive it. */
export interface Target {
  name: 'source' | 'dist';
  /** The library module (`configure`, `exchangePhoneCode`...). */
  library(): typeof Library;
  /** The `<phone-button>` registered with miniprogram-simulate, for `usingComponents`. */
  componentId(): string;
  /** The path of one of the component's files (`index.wxs`...), in this build. */
  componentFile(file: string): string;
}

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'miniprogram_dist');

function target(name: Target['name'], libraryPath: string, componentPath: string): Target {
  let componentId: string | undefined;
  const assertBuilt = () => {
    if (name === 'dist' && !fs.existsSync(DIST)) throw new Error('miniprogram_dist is missing: run `npx gulp build` first');
  };
  return {
    name,
    library() {
      assertBuilt();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the source or the BUILT library, chosen at run time
      return require(libraryPath) as typeof Library;
    },
    componentId() {
      assertBuilt();
      // A path can be loaded once per test file (a second load renders nothing), so keep the id.
      if (componentId === undefined) componentId = simulate.load(componentPath, {});
      return componentId;
    },
    componentFile(file) {
      assertBuilt();
      return path.join(path.dirname(componentPath), file);
    },
  };
}

/** Every test file runs once per target; the dist needs a prior `npx gulp build`. */
export const TARGETS: Target[] = [
  target('source', path.join(ROOT, 'src/index'), path.join(ROOT, 'components/phone-button/index')),
  target('dist', path.join(DIST, 'index'), path.join(DIST, 'phone-button/index')),
];

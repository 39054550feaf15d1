// Imported first by the CLI: on a Node.js too old, one clear line and exit 1, before any module that needs a newer one
// loads (on Node 18, loading jose would print Node's advice to rewrite the library's require).
import { nodeTooOld } from '../config/node-version';

const tooOld = nodeTooOld();
if (tooOld !== undefined) {
  process.stderr.write(`miniprogram-phone-proxy: ${tooOld}\n`);
  process.exit(1);
}

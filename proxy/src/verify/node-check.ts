// Imported first by the verify entry: on a Node.js too old to load jose, one clear error before Node's own (a stack
// ending in advice to rewrite this library's require into a dynamic import).
import { nodeTooOld } from '../config/node-version';

const tooOld = nodeTooOld();
if (tooOld !== undefined) {
  const error = new Error(`miniprogram-phone-proxy/verify: ${tooOld}`);
  error.stack = `${error.name}: ${error.message}`; // the line is the whole story: no frames of ours
  throw error;
}

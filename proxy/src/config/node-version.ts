// The oldest Node.js this package runs on (package.json "engines"): jose 6, which signs and verifies assertions, is
// an ES module loaded with require(), which Node.js supports from 20.19. Said in one line, before Node's own advice.

export const MINIMUM_NODE = '20.19';

/** One line saying what to do when `version` is older than MINIMUM_NODE; undefined when it is new enough. */
export function nodeTooOld(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  const [minMajor, minMinor] = MINIMUM_NODE.split('.').map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `Node.js ${version} is too old: miniprogram-phone-proxy needs Node.js ${MINIMUM_NODE} or newer (22 or 24 LTS recommended)`;
}

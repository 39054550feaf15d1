// The names the reference pages must list, read from the code itself: the TypeScript checker for types (the option
// type of startProxy, the proxy's error code union, the component's PhoneErrorReason), the syntax tree for what is
// only written in source (environment variable names, the component's events and external classes), and the real
// modules where a value holds the list (the component's properties).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { phoneButtonProps } from '../../components/phone-button/props';

export const ROOT = join(__dirname, '..', '..');
export const SOURCES = {
  envDir: 'proxy/src/config',
  startProxy: 'proxy/src/runtimes/server.ts',
  errors: 'proxy/src/contract/types.ts',
  componentTypes: 'src/types.ts',
  componentProps: 'components/phone-button/props.ts',
  component: 'components/phone-button/index.ts',
  template: 'components/phone-button/index.wxml',
} as const;

const at = (path: string): string => join(ROOT, path);

/** An environment variable's name as written in source: FOO, FOO_BAR (not a prefix such as 'AUTHING_'). */
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(at(path), 'utf8'), ts.ScriptTarget.Latest, true);
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** The config modules that read the environment: every file of proxy/src/config whose name says `env`. */
export function envModules(): string[] {
  return readdirSync(at(SOURCES.envDir))
    .filter((file) => /env.*\.ts$/.test(file))
    .map((file) => `${SOURCES.envDir}/${file}`);
}

/** A literal that is a warning's `code` (`process.emitWarning(w, { code: 'X' })`), not a variable. */
function isWarningCode(node: ts.Node): boolean {
  const parent = node.parent;
  return ts.isPropertyAssignment(parent) && parent.initializer === node && ts.isIdentifier(parent.name) && parent.name.text === 'code';
}

/** Every variable-shaped string literal in the env modules: what the proxy reads from the environment. */
export function envVariables(): string[] {
  const names = new Set<string>();
  for (const path of envModules()) {
    walk(parse(path), (node) => {
      if (ts.isStringLiteralLike(node) && ENV_NAME.test(node.text) && !isWarningCode(node)) names.add(node.text);
    });
  }
  return [...names].sort();
}

let program: ts.Program | undefined;
function checked(): { program: ts.Program; checker: ts.TypeChecker } {
  program ??= ts.createProgram([at(SOURCES.startProxy), at(SOURCES.errors), at(SOURCES.componentTypes)], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  });
  return { program, checker: program.getTypeChecker() };
}

function sourceFile(path: string): ts.SourceFile {
  const file = checked().program.getSourceFile(at(path));
  if (!file) throw new Error(`cannot read ${path}`);
  return file;
}

/** The string literals of an exported union type alias (`type X = 'a' | 'b'`). */
function unionLiterals(path: string, alias: string): string[] {
  const { checker } = checked();
  const declaration = sourceFile(path).statements.find(
    (statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement) && statement.name.text === alias,
  );
  if (!declaration) throw new Error(`${path} has no type ${alias}`);
  const type = checker.getTypeAtLocation(declaration.name);
  const members = type.isUnion() ? type.types : [type];
  return members
    .filter((member) => member.isStringLiteral())
    .map((member) => member.value)
    .sort();
}

export const proxyErrorCodes = (): string[] => unionLiterals(SOURCES.errors, 'ProxyErrorCode');
export const componentReasons = (): string[] => unionLiterals(SOURCES.componentTypes, 'PhoneErrorReason');

/** An object type the project declares (not an array, a function or a library type): its properties are options too. */
function nestedOptions(type: ts.Type, checker: ts.TypeChecker): ts.Type | undefined {
  const parts = (type.isUnion() ? type.types : [type]).filter(
    (part) => !(part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.BooleanLiteral)),
  );
  if (parts.length !== 1) return undefined;
  const [part] = parts;
  if (!(part.flags & ts.TypeFlags.Object) || checker.isArrayType(part) || part.getCallSignatures().length > 0) return undefined;
  const declared = part.getSymbol()?.declarations?.[0]?.getSourceFile().fileName ?? '';
  return declared.startsWith(at('proxy/src')) ? part : undefined;
}

/** Every option path of startProxy's options (`authing`, `authing.appHost`, ..., `host`, `port`). */
export function proxyOptions(): string[] {
  const { checker } = checked();
  let startProxy: ts.FunctionDeclaration | undefined;
  walk(sourceFile(SOURCES.startProxy), (node) => {
    if (ts.isFunctionDeclaration(node) && node.name?.text === 'startProxy') startProxy = node;
  });
  const parameter = startProxy?.parameters[0];
  if (!parameter) throw new Error(`${SOURCES.startProxy} has no startProxy(options)`);
  const paths: string[] = [];
  const collect = (type: ts.Type, prefix: string): void => {
    for (const property of checker.getPropertiesOfType(type)) {
      const path = `${prefix}${property.name}`;
      paths.push(path);
      const nested = nestedOptions(checker.getTypeOfSymbolAtLocation(property, parameter), checker);
      if (nested) collect(nested, `${path}.`);
    }
  };
  collect(checker.getTypeAtLocation(parameter), '');
  return paths.sort();
}

/** The component's properties as written in WXML (camelCase keys of props.ts in kebab-case). */
export function componentProperties(): string[] {
  return Object.keys(phoneButtonProps)
    .map((name) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`))
    .sort();
}

/** Every event the component triggers: the literal names of `this.triggerEvent('...')`. */
export function componentEvents(): string[] {
  const names = new Set<string>();
  walk(parse(SOURCES.component), (node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'triggerEvent') {
      const [name] = node.arguments;
      if (!name || !ts.isStringLiteralLike(name)) throw new Error(`${SOURCES.component}: triggerEvent with a computed name`);
      names.add(name.text);
    }
  });
  return [...names].sort();
}

/** The component's `externalClasses`. */
export function componentExternalClasses(): string[] {
  const names: string[] = [];
  walk(parse(SOURCES.component), (node) => {
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'externalClasses' && ts.isArrayLiteralExpression(node.initializer)) {
      for (const element of node.initializer.elements) if (ts.isStringLiteralLike(element)) names.push(element.text);
    }
  });
  return names.sort();
}

/** The template's slots: `<slot />` is `default`, `<slot name="x" />` is `x`. */
export function componentSlots(): string[] {
  const template = readFileSync(at(SOURCES.template), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const names = [...template.matchAll(/<slot\b([^>]*)>/g)].map(([, attributes]) => /\bname="([^"]+)"/.exec(attributes)?.[1] ?? 'default');
  return [...new Set(names)].sort();
}

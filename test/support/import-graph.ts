/**
 * The imports of TypeScript sources, read with the TypeScript parser (so imports in comments and
 * strings are not imports): static `import ... from`, `export ... from` and dynamic `import('...')`,
 * each marked type-only or not. Plus the graph between top-level folders and its cycles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportRef {
  specifier: string;
  /** `import type`, `export type`, or an import whose every name is a type: gone at run time. */
  typeOnly: boolean;
  dynamic: boolean;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** Every import of one source text. */
export function parseImports(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnlyImport(node), dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnlyExport(node), dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      // `typeof import('...')` in a type position
      found.push({ specifier: node.argument.literal.text, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export interface SourceImport extends ImportRef {
  /** Importing file, relative to the source root (`/` separated). */
  from: string;
  /** Imported file relative to the source root, `.ts`; null for packages and node: builtins. */
  to: string | null;
}

function listTs(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

const toPosix = (path: string): string => path.split(sep).join('/');

export interface SourceFile {
  /** Relative to the source root, `/` separated. */
  path: string;
  text: string;
}

export function readSources(root: string): SourceFile[] {
  return listTs(root).map((file) => ({ path: toPosix(relative(root, file)), text: readFileSync(file, 'utf8') }));
}

/** The imports of every file; relative specifiers resolved to the .ts file they name (may lie outside the root: `../`). */
export function sourceImports(files: readonly SourceFile[]): SourceImport[] {
  return files.flatMap((file) =>
    parseImports(file.path, file.text).map((ref) => {
      const relativeSpecifier = ref.specifier.startsWith('./') || ref.specifier.startsWith('../');
      const to = relativeSpecifier ? toPosix(join(dirname(file.path), ref.specifier)).replace(/\.js$/, '.ts') : null;
      return { ...ref, from: file.path, to };
    }),
  );
}

/** The top-level folder of a path relative to the root; files directly in the root are their own. */
export function topFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(0, slash);
}

/** Folder -> folder edges with the imports that make them (imports within a folder, or out of the root, left out). */
export function folderGraph(imports: readonly SourceImport[]): Map<string, Map<string, SourceImport[]>> {
  const graph = new Map<string, Map<string, SourceImport[]>>();
  for (const imp of imports) {
    if (imp.to === null || imp.to.startsWith('../')) continue;
    const a = topFolder(imp.from);
    const b = topFolder(imp.to);
    if (a === b) continue;
    const out = graph.get(a) ?? new Map<string, SourceImport[]>();
    graph.set(a, out);
    const list = out.get(b) ?? [];
    out.set(b, list);
    list.push(imp);
  }
  return graph;
}

/** Groups of folders that import each other, directly or around a loop (Tarjan's strongly connected components). */
export function folderCycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const strongConnect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) strongConnect(v);
  return cycles;
}


/**
 * Every module a TypeScript source names, found by the TypeScript parser (not a regex, so imports
 * inside strings and comments are not seen and multi-line import lists are): static imports,
 * `import type`, side-effect imports, `export ... from`, dynamic `import()` (quoted or a plain
 * template string) and `import('x')` in type positions.
 */
import ts from 'typescript';

export type ImportKind = 'static' | 'side-effect' | 're-export' | 'dynamic' | 'type-expression' | 'require';

export interface ImportRef {
  /** the specifier; undefined for a dynamic import whose module is computed (cannot be followed) */
  spec: string | undefined;
  kind: ImportKind;
  /** erased at compile time: `import type`, only `type` names, or `import('x')` in a type */
  typeOnly: boolean;
  /** 1-based line of the statement */
  line: number;
}

function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

function importIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  // `import { type A, type B } from`: elided by tsc (no verbatimModuleSyntax), so type-only
  return !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(decl: ts.ExportDeclaration): boolean {
  if (decl.isTypeOnly) return true;
  const named = decl.exportClause;
  return !!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

export function scanImports(source: string, fileName = 'source.ts'): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: string | undefined, kind: ImportKind, typeOnly: boolean): void => {
    out.push({ spec, kind, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const spec = literalText(node.moduleSpecifier);
      add(node, spec, node.importClause ? 'static' : 'side-effect', importIsTypeOnly(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, literalText(node.moduleSpecifier), 're-export', exportIsTypeOnly(node));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, literalText(node.moduleReference.expression), 'static', node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      add(node, ts.isLiteralTypeNode(arg) ? literalText(arg.literal) : undefined, 'type-expression', true);
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, literalText(node.arguments[0]), 'dynamic', false);
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1) {
        add(node, literalText(node.arguments[0]), 'require', false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

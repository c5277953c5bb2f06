// Every SQL statement in the API must be parameterised: values travel as $1…$n, never spliced into the
// query text. This walks the TypeScript syntax tree of reference-api/src (not a regex over lines, so
// multi-line templates and concatenations are seen whole) and fails on any SQL-looking string that is
// built from a template with substitutions or by `+` concatenation.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const sourceRoot = join(import.meta.dirname, '..', 'src');
const SQL_TEXT =
  /\b(select\s[\s\S]*\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|on\s+conflict|returning\s)\b/i;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Literal text of a string-ish node, with each substitution shown as ${…}. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return node.head.text + node.templateSpans.map((span) => `\${…}${span.literal.text}`).join('');
  return undefined;
}

function findSplicedSql(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const findings: string[] = [];
  const where = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isTemplateExpression(node) && SQL_TEXT.test(literalText(node) ?? '')) {
      findings.push(`${where(node)} template with substitutions builds SQL: ${literalText(node)?.slice(0, 80)}`);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const parts = [node.left, node.right].map(literalText).filter((part): part is string => part !== undefined);
      if (parts.some((part) => SQL_TEXT.test(part)))
        findings.push(`${where(node)} string concatenation builds SQL: ${parts.join(' + ').slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

describe('SQL in reference-api/src', () => {
  it('the detector flags spliced SQL and accepts parameterised SQL', () => {
    const spliced = [
      'db.query(`SELECT * FROM users WHERE id = ${userId}`);',
      "db.query('DELETE FROM seats WHERE id = ' + seatId);",
      'db.query(`UPDATE users\n  SET balance = ${amount}\n WHERE id = $1`, [id]);',
    ];
    for (const code of spliced) expect(findSplicedSql('sample.ts', code)).toHaveLength(1);
    const parameterised = [
      "db.query('SELECT * FROM users WHERE id = $1', [userId]);",
      'db.query(`INSERT INTO ledger (user_id, amount) VALUES ($1, $2)`, [id, amount]);',
      'db.query(`SELECT id FROM seats WHERE id = ANY($1::int[])`, [ids]);',
      'log.info(`user ${id} selected a seat`);',
    ];
    for (const code of parameterised) expect(findSplicedSql('sample.ts', code)).toEqual([]);
  });

  it('no statement splices values into the query text', () => {
    const files = tsFiles(sourceRoot);
    expect(files.length).toBeGreaterThan(0);
    const findings = files.flatMap((file) => findSplicedSql(relative(process.cwd(), file), readFileSync(file, 'utf8')));
    expect(findings).toEqual([]);
  });
});

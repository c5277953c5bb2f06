// A runbook as markdown for the terminal: the machine half (signals, SLO, numbered steps) summarised on
// top, then the prose. `runbook show` pipes it through marked-terminal.
import { Marked } from 'marked';
import { markedTerminal } from 'marked-terminal';
import type { Runbook } from './load.ts';
import { oneLine } from './promql.ts';
import { numberedSteps, type StepGroup } from './schema.ts';

const GROUP_TITLES: Record<StepGroup, string> = {
  immediate: 'Immediate',
  short_term: 'Short term',
  long_term: 'Long term',
};

export function runbookMarkdown(runbook: Runbook): string {
  const lines = [
    `# ${runbook.title}`,
    '',
    `**id** \`${runbook.id}\` · **severity** ${runbook.severity} · **fault** \`loadctl fault inject ${runbook.fault.name}${runbook.fault.mode ? ` --mode ${runbook.fault.mode}` : ''}\``,
    '',
    '## Signals',
    '',
    // paragraphs, not lists: marked-terminal leaves inline markup inside list items unrendered
    ...runbook.signals.flatMap((signal) => [
      `**${signal.id}**${signal.for === '0s' ? '' : ` (for ${signal.for})`}${signal.modes ? ` (modes ${signal.modes.join(', ')})` : ''}: ` +
        `\`${oneLine(signal.expr)}\`${signal.description ? ` — ${signal.description}` : ''}`,
      '',
    ]),
    '',
    '## SLO to restore',
    '',
    `\`${oneLine(runbook.slo.expr)}\` within ${runbook.slo.restoreWithin}${runbook.slo.description ? ` — ${runbook.slo.description}` : ''}`,
    '',
    '## Steps',
  ];
  let group: StepGroup | undefined;
  for (const { number, group: stepGroup, step } of numberedSteps(runbook)) {
    if (stepGroup !== group) {
      group = stepGroup;
      lines.push('', `### ${GROUP_TITLES[stepGroup]}`, '');
    }
    const how = step.run ? ` — \`${step.run}\`${step.automatable ? '' : ' (a person decides)'}` : ' — by hand';
    lines.push(`**${number}.** ${step.title}${how}${step.detail ? `  \n${step.detail}` : ''}`, '');
  }
  lines.push('', '---', '', runbook.body.replace(/^# .*\n/, ''));
  return lines.join('\n');
}

/** Markdown → ANSI text for a terminal `width` columns wide (what `runbook show` prints on a TTY). */
export async function markdownForTerminal(markdown: string, width: number): Promise<string> {
  const renderer = new Marked(markedTerminal({ reflowText: true, width }) as ConstructorParameters<typeof Marked>[0]);
  // marked-terminal prints a list item's text raw, so **bold** and `code` in steps showed their markers
  // (mikaelbr/marked-terminal#304): render the inline tokens a text token carries.
  renderer.use({
    renderer: {
      text(token) {
        return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
      },
    },
  });
  return renderer.parse(markdown);
}

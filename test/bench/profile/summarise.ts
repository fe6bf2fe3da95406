/**
 * Summaries of a V8 CPU profile (`node --cpu-prof`): tables of the top functions by self time, of
 * packages, and of the hottest frames by inclusive time, and an icicle-style flame graph as SVG.
 */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface Tree {
  node: CpuProfileNode;
  selfUs: number;
  totalUs: number;
  children: Tree[];
}

/** Where a frame's code lives: an npm package, our own code (path from the repository), node, or V8. */
export function frameOrigin(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (built-in)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/(gateway|packages|subgraphs|test)\/(.*)$/.exec(url);
  return ours ? `ours: ${ours[1]}/${ours[2]!.split('/').slice(0, 2).join('/')}` : url;
}

function frameLabel(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').pop() ?? '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

function buildTree(profile: CpuProfile): { root: Tree; totalUs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const build = (node: CpuProfileNode): Tree => {
    const children = (node.children ?? []).map((id) => build(byId.get(id)!));
    const self = selfUs.get(node.id) ?? 0;
    return {
      node,
      selfUs: self,
      totalUs: self + children.reduce((sum, child) => sum + child.totalUs, 0),
      children,
    };
  };
  const root = build(profile.nodes[0]!);
  return { root, totalUs: root.totalUs };
}

const ms = (us: number) => (us / 1000).toFixed(0);
const pct = (us: number, total: number) => `${((us / total) * 100).toFixed(1)}%`;

export function summariseProfile(profile: CpuProfile, rows = 25): string {
  const { root, totalUs } = buildTree(profile);
  const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
  const selfByFrame = new Map<string, { us: number; origin: string }>();
  const selfByOrigin = new Map<string, number>();
  const totalByFrame = new Map<string, { us: number; origin: string }>();
  let busyUs = 0;
  const walk = (tree: Tree, onStack: Set<string>) => {
    const label = frameLabel(tree.node);
    const origin = frameOrigin(tree.node.callFrame.url, tree.node.callFrame.functionName);
    const self = selfByFrame.get(label) ?? { us: 0, origin };
    self.us += tree.selfUs;
    selfByFrame.set(label, self);
    selfByOrigin.set(origin, (selfByOrigin.get(origin) ?? 0) + tree.selfUs);
    if (tree.node.callFrame.functionName !== '(idle)') busyUs += tree.selfUs;
    // Inclusive time counts a frame once per stack, however often it recurses.
    const first = !onStack.has(label);
    if (first) {
      const total = totalByFrame.get(label) ?? { us: 0, origin };
      total.us += tree.totalUs;
      totalByFrame.set(label, total);
      onStack.add(label);
    }
    for (const child of tree.children) walk(child, onStack);
    if (first) onStack.delete(label);
  };
  walk(root, new Set());
  const top = <T extends { us: number }>(map: Map<string, T>) =>
    [...map.entries()].sort(([, a], [, b]) => b.us - a.us).slice(0, rows);
  const lines: string[] = [
    `Profile: ${ms(totalUs)} ms sampled, ${ms(busyUs)} ms not idle. Shares below are of the busy (not idle) time.`,
    '',
    '## Top functions by self time',
    '',
    '| # | function | where | self ms | share |',
    '|---:|---|---|---:|---:|',
    ...top(selfByFrame)
      .filter(([label]) => label !== '(idle)')
      .map(
        ([label, { us, origin }], i) =>
          `| ${i + 1} | \`${label}\` | ${origin} | ${ms(us)} | ${pct(us, busyUs)} |`,
      ),
    '',
    '## Self time by package',
    '',
    '| package / origin | self ms | share |',
    '|---|---:|---:|',
    ...[...selfByOrigin.entries()]
      .filter(([origin]) => origin !== '(idle)')
      .sort(([, a], [, b]) => b - a)
      .slice(0, rows)
      .map(([origin, us]) => `| ${origin} | ${ms(us)} | ${pct(us, busyUs)} |`),
    '',
    '## Hottest frames by inclusive time (self + callees)',
    '',
    '| function | where | total ms | share |',
    '|---|---|---:|---:|',
    ...top(totalByFrame)
      .filter(([label]) => !idle.has(label.split(' ')[0]!) && label !== '(root)')
      .map(([label, { us, origin }]) => `| \`${label}\` | ${origin} | ${ms(us)} | ${pct(us, busyUs)} |`),
    '',
  ];
  return lines.join('\n');
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function colour(origin: string): string {
  if (origin.startsWith('ours')) return '#5fb85f';
  if (origin.startsWith('@apollo/')) return '#e0904a';
  if (origin === 'graphql') return '#d46aa6';
  if (origin === 'node (built-in)') return '#6a9fd4';
  if (origin.startsWith('(')) return '#b0b0b0';
  return '#d4c15a';
}

/** An icicle flame graph (root on top), frames narrower than 0.1% of the busy time left out. */
export function flameGraphSvg(profile: CpuProfile, title: string): string {
  const { root } = buildTree(profile);
  // Idle time is not the gateway's work: drop it from the picture.
  root.children = root.children.filter((child) => child.node.callFrame.functionName !== '(idle)');
  root.totalUs = root.selfUs + root.children.reduce((sum, child) => sum + child.totalUs, 0);
  const width = 1600;
  const rowHeight = 16;
  const minUs = root.totalUs / 1000;
  const rects: string[] = [];
  let maxDepth = 0;
  const draw = (tree: Tree, x: number, depth: number) => {
    const w = (tree.totalUs / root.totalUs) * width;
    maxDepth = Math.max(maxDepth, depth);
    const label = frameLabel(tree.node);
    const origin = frameOrigin(tree.node.callFrame.url, tree.node.callFrame.functionName);
    const y = 30 + depth * rowHeight;
    const text = w > 40 ? escapeXml(label.slice(0, Math.floor(w / 6.5))) : '';
    rects.push(
      `<g><title>${escapeXml(`${label} (${origin}): ${ms(tree.totalUs)} ms, ${pct(tree.totalUs, root.totalUs)}`)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w - 0.5, 0.5).toFixed(1)}" height="${rowHeight - 1}" fill="${colour(origin)}"/>` +
        (text ? `<text x="${(x + 3).toFixed(1)}" y="${y + 11.5}">${text}</text>` : '') +
        '</g>',
    );
    let childX = x;
    for (const child of [...tree.children].sort((a, b) => b.totalUs - a.totalUs)) {
      if (child.totalUs >= minUs) draw(child, childX, depth + 1);
      childX += (child.totalUs / root.totalUs) * width;
    }
  };
  draw(root, 0, 0);
  const height = 30 + (maxDepth + 1) * rowHeight + 30;
  const legend = [
    ['ours', '#5fb85f'],
    ['@apollo/*', '#e0904a'],
    ['graphql', '#d46aa6'],
    ['node built-ins', '#6a9fd4'],
    ['other packages', '#d4c15a'],
    ['V8 (GC, program)', '#b0b0b0'],
  ]
    .map(
      ([name, fill], i) =>
        `<rect x="${10 + i * 150}" y="${height - 22}" width="12" height="12" fill="${fill}"/><text x="${26 + i * 150}" y="${height - 12}">${name}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="18" font-size="14">${escapeXml(title)} — width: share of busy CPU time; hover a frame for its time</text>`,
    ...rects,
    legend,
    '</svg>',
  ].join('\n');
}

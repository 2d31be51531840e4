// A pipeline's generated state machine as JSON (nodes, edges) or Graphviz dot, read from the real
// machine with @xstate/graph so the picture is exactly what runs (`oj runbook graph`, dashboard).
import { toDirectedGraph } from '@xstate/graph';
import type { DirectedGraphNode } from '@xstate/graph';
import { createPipelineMachine } from './pipeline.machine.js';
import type { PipelineDef } from '../runbook/index.js';

export interface GraphNode {
  id: string;
  label: string;
  parent: string | null;
  type: string;
}

export interface GraphEdge {
  source: string;
  target: string;
  event: string;
  /** The guard that chooses this edge, when one does. */
  guard?: string;
}

export interface PipelineGraph {
  pipeline: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function toGraph(def: PipelineDef): PipelineGraph {
  const root = toDirectedGraph(createPipelineMachine(def));
  const graph: PipelineGraph = { pipeline: def.qualified, nodes: [], edges: [] };
  const seen = new Set<string>();
  const visit = (node: DirectedGraphNode, parent: string | null) => {
    const sn = node.stateNode;
    graph.nodes.push({ id: node.id, label: sn.key, parent, type: sn.type });
    for (const edge of node.edges) {
      const key = `${edge.source.id}|${edge.target.id}|${edge.label.text}`;
      if (seen.has(key)) continue; // guarded alternatives of one event to the same target
      seen.add(key);
      const guard = edge.transition.guard;
      const e: GraphEdge = {
        source: edge.source.id,
        target: edge.target.id,
        event: edge.label.text,
      };
      if (guard)
        e.guard =
          typeof guard === 'string' ? guard : ((guard as { type?: string }).type ?? 'guard');
      graph.edges.push(e);
    }
    for (const child of node.children) visit(child, node.id);
  };
  visit(root, null);
  return graph;
}

/** Graphviz dot: compound states become clusters, final states double circles. */
export function toDot(graph: PipelineGraph, options: { highlight?: string[] } = {}): string {
  const lit = new Set(options.highlight ?? []);
  const q = (s: string) => JSON.stringify(s);
  const children = new Map<string | null, GraphNode[]>();
  for (const n of graph.nodes) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
  const lines = [
    `digraph ${q(graph.pipeline)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  const emit = (parent: string | null, indent: string) => {
    for (const n of children.get(parent) ?? []) {
      const inner = children.get(n.id);
      if (inner?.length) {
        lines.push(
          `${indent}subgraph ${q(`cluster_${n.id}`)} {`,
          `${indent}  label=${q(n.label)};`,
        );
        // An invisible anchor lets edges point at the compound state itself.
        lines.push(`${indent}  ${q(n.id)} [shape=point, width=0.05, label=""];`);
        emit(n.id, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const mark = lit.has(n.id) ? ', style="rounded,filled", fillcolor="#ffd54f"' : '';
        lines.push(
          `${indent}${q(n.id)} [label=${q(n.label)}${n.type === 'final' ? ', shape=doublecircle' : ''}${mark}];`,
        );
      }
    }
  };
  emit(null, '  ');
  for (const e of graph.edges)
    lines.push(
      `  ${q(e.source)} -> ${q(e.target)} [label=${q(e.guard ? `${e.event} [${e.guard}]` : e.event)}];`,
    );
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

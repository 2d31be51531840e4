// The dashboard page: one self-contained HTML document (no network, no build step) with a board of
// pipelines by status, the decisions inbox and the event stream, kept live over the WebSocket.
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>oj dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
  body { margin: 0; padding: 16px; }
  h1 { font-size: 18px; margin: 0 0 12px; }
  h2 { font-size: 15px; margin: 16px 0 8px; }
  #board { display: grid; grid-template-columns: repeat(7, minmax(120px, 1fr)); gap: 8px; }
  .column { background: rgba(127,127,127,.08); border-radius: 6px; padding: 8px; min-height: 80px; }
  .column h3 { font-size: 12px; text-transform: uppercase; margin: 0 0 6px; opacity: .7; }
  .card { background: rgba(127,127,127,.15); border-radius: 4px; padding: 6px; margin-bottom: 6px; }
  .card .phase { font-size: 12px; opacity: .8; }
  .decision { border: 1px solid rgba(127,127,127,.4); border-radius: 4px; padding: 8px; margin-bottom: 6px; }
  .decision button { margin-right: 6px; }
  #events { font: 12px ui-monospace, monospace; max-height: 240px; overflow: auto; white-space: pre; }
  #status { font-size: 12px; opacity: .7; }
  .session { margin-bottom: 4px; }
  #terminal { margin: 8px 0; }
  .card { cursor: pointer; }
  #pipeline { border: 1px solid rgba(127,127,127,.4); border-radius: 6px; padding: 8px 12px; margin-top: 12px; }
  #timeline td { padding: 2px 12px 2px 0; font-size: 13px; }
  #diagram svg { max-width: 100%; height: auto; }
  #log { font: 12px ui-monospace, monospace; max-height: 240px; overflow: auto; background: rgba(127,127,127,.08); padding: 6px; }
</style>
</head>
<body>
<h1>oj <span id="status">connecting…</span></h1>
<div id="board"></div>
<div id="pipeline" hidden>
  <h2 id="pipeline-title"></h2>
  <table id="timeline"></table>
  <div id="diagram"></div>
  <pre id="log"></pre>
</div>
<h2>Decisions</h2>
<div id="decisions"><p>none</p></div>
<h2>Queues</h2>
<div id="queues"><p>none</p></div>
<h2>Locks and semaphores</h2>
<div id="resources"><p>none</p></div>
<h2>Agents</h2>
<div id="sessions"><p>none</p></div>
<div id="terminal-box" hidden>
  <div id="terminal-title"></div>
  <div id="terminal"></div>
  <input id="say" placeholder="a message for the agent" size="60">
  <button id="send">Send</button> <button id="nudge">Nudge</button>
</div>
<h2>Events</h2>
<div id="events"></div>
<script>
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
  const STATUSES = ['pending', 'running', 'waiting', 'escalated', 'done', 'failed', 'cancelled'];
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  const api = async (path, init) => {
    const res = await fetch(path, { ...init, headers });
    if (!res.ok) throw new Error((await res.json()).error?.message || res.statusText);
    return res.json();
  };
  async function renderBoard() {
    const pipelines = await api('/api/pipelines');
    for (const p of pipelines) projects.add(p.project);
    const board = document.getElementById('board');
    board.replaceChildren(...STATUSES.map((status) => {
      const column = el('div', { class: 'column', 'data-status': status }, el('h3', {}, status));
      for (const p of pipelines.filter((x) => x.status === status)) {
        const card = el('div', { class: 'card', 'data-pipeline': p.id },
          el('div', {}, p.name), el('div', { class: 'phase' }, p.phase || ''));
        card.onclick = () => { selected = p.id; renderPipeline(); };
        column.append(card);
      }
      return column;
    }));
  }
  async function renderDecisions() {
    const decisions = await api('/api/decisions');
    const box = document.getElementById('decisions');
    if (!decisions.length) return box.replaceChildren(el('p', {}, 'none'));
    box.replaceChildren(...decisions.map((d) => el('div', { class: 'decision', 'data-decision': d.id },
      el('div', {}, d.pipelineName + ' — ' + d.detail),
      el('div', {}, ...d.options.map((option) => {
        const button = el('button', { 'data-option': option }, option);
        button.onclick = () => api('/api/decisions/' + encodeURIComponent(d.id) + '/resolve',
          { method: 'POST', body: JSON.stringify({ option }) }).then(refresh, alert);
        return button;
      })))));
  }
  // The selected pipeline: phase timeline with durations, its machine with the current state
  // highlighted (Graphviz in the browser, served by the daemon), and the end of its log.
  let selected = null, viz = null;
  const loadViz = () => new Promise((resolve, reject) => {
    if (window.Viz) return resolve();
    const js = el('script', { src: '/assets/viz.js?token=' + encodeURIComponent(token) });
    js.onload = resolve;
    js.onerror = reject;
    document.head.append(js);
  });
  const seconds = (ms) => (ms / 1000).toFixed(1) + ' s';
  async function renderPipeline() {
    if (!selected) return;
    const id = encodeURIComponent(selected);
    const [p, graph, log] = await Promise.all([api('/api/pipelines/' + id), api('/api/pipelines/' + id + '/graph'), api('/api/pipelines/' + id + '/log')]);
    document.getElementById('pipeline').hidden = false;
    document.getElementById('pipeline-title').textContent = p.name + ' · ' + p.status + (p.phase ? ' · ' + p.phase : '');
    document.getElementById('timeline').replaceChildren(...p.history.map((h) => el('tr', { 'data-phase': h.phase },
      el('td', {}, h.phase + (h.visit > 1 ? ' (visit ' + h.visit + ')' : '')),
      el('td', {}, h.outcome || 'running'),
      el('td', {}, seconds((h.endedAt || Date.now()) - h.enteredAt)))));
    document.getElementById('log').textContent = log.text;
    await loadViz();
    viz = viz || await window.Viz.instance();
    document.getElementById('diagram').replaceChildren(viz.renderSVGElement(graph.dot));
  }
  // Projects seen on the board, plus the one oj dashboard was opened from.
  const projects = new Set([new URLSearchParams(location.search).get('project')].filter(Boolean));
  const perProject = async (path) => (await Promise.all([...projects].map((p) =>
    api(path + '?project=' + encodeURIComponent(p)).catch(() => [])))).flat();
  async function renderQueues() {
    const queues = await perProject('/api/queues');
    const box = document.getElementById('queues');
    if (!queues.length) return box.replaceChildren(el('p', {}, 'none'));
    await loadViz().catch(() => null);
    viz = viz || (window.Viz ? await window.Viz.instance() : null);
    box.replaceChildren(...queues.map((q) => {
      const counts = Object.entries(q.counts).filter(([, n]) => n).map(([k, n]) => n + ' ' + k).join(', ') || 'empty';
      const items = el('ul', {}, ...q.items.map((i) => el('li', { 'data-item': i.id },
        i.id + ' · ' + i.status + (i.after.length ? ' · after ' + i.after.join(', ') : '') + (i.pipeline ? ' · ' + i.pipeline : ''))));
      const section = el('div', { class: 'queue', 'data-queue': q.name }, el('strong', {}, q.name), ' ' + counts, items);
      const deps = q.items.filter((i) => i.after.length);
      if (deps.length && viz) {
        const dot = 'digraph deps { rankdir=LR; node [shape=box, style=rounded, fontname="Helvetica"];' +
          q.items.map((i) => JSON.stringify(i.id) + ' [label=' + JSON.stringify(i.id + '\\n' + i.status) + '];').join('') +
          deps.flatMap((i) => i.after.map((a) => JSON.stringify(a) + ' -> ' + JSON.stringify(i.id) + ';')).join('') + '}';
        section.append(el('div', { class: 'deps' }, viz.renderSVGElement(dot)));
      }
      return section;
    }));
  }
  async function renderResources() {
    const [locks, sems] = await Promise.all([perProject('/api/locks'), perProject('/api/semaphores')]);
    const box = document.getElementById('resources');
    if (!locks.length && !sems.length) return box.replaceChildren(el('p', {}, 'none'));
    box.replaceChildren(
      ...locks.map((l) => el('div', { class: 'lock', 'data-lock': l.name }, 'lock ' + l.name + ': ' +
        (l.holder ? 'held by ' + l.holder.pipeline : 'free') + (l.waiting.length ? ' · waiting: ' + l.waiting.join(', ') : ''))),
      ...sems.map((s) => el('div', { class: 'semaphore', 'data-semaphore': s.name }, 'semaphore ' + s.name + ': ' + s.used + '/' + s.max +
        (s.holders.length ? ' · held by ' + s.holders.map((h) => h.pipeline || h.owner || JSON.stringify(h)).join(', ') : ''))));
  }
  async function renderSessions() {
    const sessions = await api('/api/sessions');
    const box = document.getElementById('sessions');
    if (!sessions.length) return box.replaceChildren(el('p', {}, 'none'));
    box.replaceChildren(...sessions.map((s) => {
      const button = el('button', { 'data-watch': s.id }, 'watch');
      button.onclick = () => watch(s.id);
      return el('div', { class: 'session', 'data-session': s.id },
        s.id + ' · ' + s.pipelineName + ' · ' + s.phase + ' · ' + s.state + ' · ' + s.health + ' ', button);
    }));
  }
  // A read-only terminal on one agent (xterm.js, served by the daemon), with send and nudge.
  let term = null, termSocket = null, watching = null;
  const loadXterm = () => new Promise((resolve, reject) => {
    if (window.Terminal) return resolve();
    const css = el('link', { rel: 'stylesheet', href: '/assets/xterm.css?token=' + encodeURIComponent(token) });
    const js = el('script', { src: '/assets/xterm.js?token=' + encodeURIComponent(token) });
    js.onload = resolve;
    js.onerror = reject;
    document.head.append(css, js);
  });
  async function watch(id) {
    await loadXterm();
    watching = id;
    document.getElementById('terminal-box').hidden = false;
    document.getElementById('terminal-title').textContent = 'agent ' + id;
    termSocket?.close();
    term?.dispose();
    term = new window.Terminal({ disableStdin: true, cols: 100, rows: 24, scrollback: 500 });
    term.open(document.getElementById('terminal'));
    termSocket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/sessions/' + encodeURIComponent(id) + '/terminal?token=' + encodeURIComponent(token));
    termSocket.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.type === 'screen') { term.reset(); term.resize(f.cols, f.rows); term.write(f.data); }
      else if (f.type === 'output') term.write(f.data);
      else if (f.type === 'error') term.write('\\r\\n[' + f.message + ']\\r\\n');
    };
  }
  const act = (what) => {
    const text = document.getElementById('say').value;
    const body = what === 'send' ? { text } : (text ? { message: text } : {});
    api('/api/sessions/' + encodeURIComponent(watching) + '/' + what, { method: 'POST', body: JSON.stringify(body) })
      .then(() => { document.getElementById('say').value = ''; }, alert);
  };
  document.getElementById('send').onclick = () => act('send');
  document.getElementById('nudge').onclick = () => act('nudge');
  let pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(() => renderBoard().then(() => Promise.all([renderDecisions(), renderSessions(), renderPipeline(), renderQueues(), renderResources()])).catch((e) => {
      document.getElementById('status').textContent = String(e.message || e);
    }), 50);
  }
  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/stream?token=' + encodeURIComponent(token));
    ws.onopen = () => { document.getElementById('status').textContent = 'live'; refresh(); };
    ws.onmessage = (m) => {
      const e = JSON.parse(m.data);
      const log = document.getElementById('events');
      log.textContent = (e.seq + ' ' + e.type + '\\n' + log.textContent).slice(0, 20000);
      refresh();
    };
    ws.onclose = () => { document.getElementById('status').textContent = 'reconnecting…'; setTimeout(connect, 1000); };
  }
  refresh();
  connect();
})();
</script>
</body>
</html>
`;

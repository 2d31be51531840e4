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
</style>
</head>
<body>
<h1>oj <span id="status">connecting…</span></h1>
<div id="board"></div>
<h2>Decisions</h2>
<div id="decisions"><p>none</p></div>
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
    const board = document.getElementById('board');
    board.replaceChildren(...STATUSES.map((status) => {
      const column = el('div', { class: 'column', 'data-status': status }, el('h3', {}, status));
      for (const p of pipelines.filter((x) => x.status === status)) {
        column.append(el('div', { class: 'card', 'data-pipeline': p.id },
          el('div', {}, p.name), el('div', { class: 'phase' }, p.phase || '')));
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
  let pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(() => Promise.all([renderBoard(), renderDecisions()]).catch((e) => {
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

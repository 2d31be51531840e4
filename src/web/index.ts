// Front door of src/web: the daemon's HTTP API and dashboard server.
export { ROUTES, startWebServer } from './server.js';
export type { WebServer, WebServerDeps } from './server.js';

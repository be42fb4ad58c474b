// The SharedWorker that holds the one Triplex connection of a browser (see shared.js).
import { serveTabs } from './shared.js';

const hub = serveTabs();
globalThis.onconnect = (e) => hub.connect(e.ports[0]);

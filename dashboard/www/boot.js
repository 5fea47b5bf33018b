// Starts the dashboard's wasm (its `start` mounts the app). A module file, not an inline
// script, so the page's Content-Security-Policy allows no inline script at all.
import init from './vale_dashboard.js';

init({ module_or_path: new URL('./vale_dashboard_bg.wasm', import.meta.url) });

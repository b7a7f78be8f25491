#!/usr/bin/env node
// Placeholder until @smoa/train lands: prints the backend report.
const { initBackend } = await import('@smoa/backend');
const info = await initBackend();
console.log(JSON.stringify(info, null, 2));

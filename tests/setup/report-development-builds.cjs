// Preloaded into a server under test (NODE_OPTIONS=--require …): prints each development build a package loads
// (React's, React Router's pick one from NODE_ENV when first required).
const Module = require("node:module");
const load = Module._load;
Module._load = function (request, parent) {
  if (/\.development\.js$/.test(request)) process.stderr.write(`[development build] ${request} from ${parent && parent.filename}\n`);
  return load.apply(this, arguments);
};

// Preloaded into a server under test (NODE_OPTIONS=--require …): prints each development build a package loads
// (React's, React Router's, graphql-armor's pick one from NODE_ENV when first required), and the NODE_ENV that
// graphql-js saw when it was first loaded (it picks its checks once, then).
const Module = require("node:module");
const load = Module._load;
let graphqlSeen = false;
Module._load = function (request, parent) {
  if (/\.(development|dev)\.js$/.test(request)) process.stderr.write(`[development build] ${request} from ${parent && parent.filename}\n`);
  if (!graphqlSeen && /[\\/]node_modules[\\/]graphql[\\/]index\.js$/.test(request)) {
    graphqlSeen = true;
    process.stderr.write(`[graphql loaded] NODE_ENV=${process.env.NODE_ENV}\n`);
  }
  return load.apply(this, arguments);
};

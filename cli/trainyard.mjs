#!/usr/bin/env node
// The `trainyard` command: loads the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
await import("./trainyard.ts");

/** Versions are per model name and generated: v1.0.0, v1.1.0, v1.2.0 … */
export function versionString(major: number, minor: number, patch: number): string {
  return `v${major}.${minor}.${patch}`;
}

/** The nominal inference endpoint of a version: `base` is the config's endpointBase (TRAINYARD_ENDPOINT_BASE). */
export function endpointUrlFor(args: { base: string; modelName: string; version: string }): string {
  return `${args.base}/v1/models/${args.modelName}/${args.version}`;
}

/** Versions are per model name and generated: v1.0.0, v1.1.0, v1.2.0 … */
export function versionString(major: number, minor: number, patch: number): string {
  return `v${major}.${minor}.${patch}`;
}

/** Base of the inference endpoints the serving gateway exposes; the path identifies model and version. */
export const ENDPOINT_BASE = process.env.TRAINYARD_ENDPOINT_BASE ?? "https://inference.trainyard.internal";

export function endpointUrlFor(modelName: string, version: string): string {
  return `${ENDPOINT_BASE}/v1/models/${modelName}/${version}`;
}

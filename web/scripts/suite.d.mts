export const root: string;
export function startSuite(opts?: { bin?: string; webRoot?: string; missing?: string }): Promise<{
  url: string;
  env: Record<string, string>;
  stop: () => Promise<void>;
}>;

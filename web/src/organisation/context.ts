import { useOutletContext } from "react-router";

export interface OrgContext {
  orgId: string;
  role: string;
  admin: boolean;
}

export function useOrg() {
  return useOutletContext<OrgContext>();
}

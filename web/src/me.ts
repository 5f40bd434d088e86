// The signed-in person's profile (GET /accounts/v1/me): one query every
// screen shares, so the shell, the navigation and the areas ask once.
import { useQuery } from "@tanstack/react-query";
import { api, data } from "./api/client";

export const getMe = () => data(api.GET("/accounts/v1/me"));

export function useMe(enabled = true) {
  return useQuery({ queryKey: ["accounts", "me"], queryFn: getMe, enabled });
}

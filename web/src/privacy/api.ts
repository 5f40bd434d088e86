// The consent API's answers, which infra/openapi.yaml describes only as
// objects (functions/consent, shared/consentvault).
import { api, data } from "../api/client";

export const purposes = ["analytics", "facilitator_visibility", "canvas_insights", "coach_memory", "research", "marketing"] as const;
export type Purpose = (typeof purposes)[number];

export interface Entry {
  purpose: Purpose;
  org?: string;
  granted: boolean;
  policy_version: number;
  at: string;
  receipt_seq: number;
}

export interface Receipt {
  seq: number;
  purpose: Purpose;
  org?: string;
  decision: "grant" | "withdraw";
  policy_version: number;
  policy_locale: string;
  policy_hash: string;
  mechanism: string;
  at: string;
  hash: string;
}

export interface Policy {
  purpose: Purpose;
  version: number;
  texts: Record<string, string>;
  published_at: string;
}

export interface Verification {
  intact: boolean;
  receipts: number;
  head_hash?: string;
  problem?: string;
}

export interface PrivacyRequest {
  id: string;
  kind: "export" | "erasure";
  status: "awaiting_confirmation" | "running" | "completed";
  created_at: string;
  due_at: string;
  days_left: number;
  completed_at?: string;
  download_url?: string;
  expires_at?: string;
  confirmation_code?: string;
  withheld?: Record<string, string>;
}

export const getState = async () => (await data(api.GET("/consent/v1/me/consent"))) as { purposes: Entry[] };
export const getReceipts = async () => (await data(api.GET("/consent/v1/me/receipts"))) as { receipts: Receipt[] };
export const verifyReceipts = async () => (await data(api.GET("/consent/v1/me/receipts/verify"))) as Verification;
export const getPolicy = async (purpose: Purpose) =>
  (await data(api.GET("/consent/v1/policies/{purpose}", { params: { path: { purpose } } }))) as Policy;
export const decide = async (purpose: Purpose, decision: "grant" | "withdraw", locale: string) =>
  (await data(
    api.PUT("/consent/v1/me/consent/{purpose}", { params: { path: { purpose } }, body: { decision, mechanism: "settings", locale } }),
  )) as { changed: boolean; receipt?: Receipt; purposes: Entry[] };
export const requestExport = async () => (await data(api.POST("/consent/v1/me/exports", { body: {} }))) as PrivacyRequest;
export const getRequest = async (requestId: string) =>
  (await data(api.GET("/consent/v1/me/requests/{requestId}", { params: { path: { requestId } } }))) as PrivacyRequest;
export const requestErasure = async () => (await data(api.POST("/consent/v1/me/erasure", { body: {} }))) as PrivacyRequest;
export const confirmErasure = async (requestId: string, code: string) =>
  (await data(api.POST("/consent/v1/me/erasure/{requestId}/confirm", { params: { path: { requestId } }, body: { code } }))) as PrivacyRequest;

import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import { signOut } from "../auth";
import { confirmErasure, getRequest, requestErasure, requestExport, type PrivacyRequest } from "./api";

function problemKey(err: unknown) {
  return problemMessageKey(err instanceof ApiError ? err.problem : err);
}

// The last export asked for in this browser, so coming back shows it
// (with a fresh download link) instead of preparing another.
const exportKey = "privacy.export";

export function MyData() {
  return (
    <>
      <Export />
      <Erasure />
      <CloseAccount />
    </>
  );
}

function Export() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [id, setId] = useState(() => globalThis.localStorage?.getItem(exportKey) ?? "");
  // Until the archive is ready the request is polled; a completed one comes
  // back with a fresh short-lived link.
  const req = useQuery({
    queryKey: ["consent", "request", id],
    queryFn: () => getRequest(id),
    enabled: !!id,
    retry: false,
    refetchInterval: (q) => (q.state.data && q.state.data.status !== "completed" ? 2000 : false),
  });
  const start = useMutation({
    mutationFn: requestExport,
    onSuccess: (r) => {
      globalThis.localStorage?.setItem(exportKey, r.id);
      queryClient.setQueryData(["consent", "request", r.id], r);
      setId(r.id);
    },
  });
  useEffect(() => {
    // A request this browser remembers but the API no longer knows is forgotten.
    if (req.isError) {
      globalThis.localStorage?.removeItem(exportKey);
      setId("");
    }
  }, [req.isError]);
  const r = req.data;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  const ready = r?.status === "completed" && r.download_url;
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">{t("privacy.export.title")}</h2>
      <p>{t("privacy.export.lead")}</p>
      {r && (
        <div className="privacy-request" role="status">
          {ready ? (
            <>
              <p>{t("privacy.export.ready", { date: when.format(new Date(r.completed_at ?? r.created_at)) })}</p>
              <a className="button" href={r.download_url} download="studio-export.zip" rel="noopener">
                {t("privacy.export.download")}
              </a>
              {r.expires_at && <p className="hint privacy-space">{t("privacy.export.expires", { date: when.format(new Date(r.expires_at)) })}</p>}
              {r.withheld && Object.keys(r.withheld).length > 0 && <p className="hint privacy-space">{t("privacy.export.withheld")}</p>}
            </>
          ) : (
            <p>{t("privacy.export.preparing")}</p>
          )}
        </div>
      )}
      {start.isError && <p className="error" role="alert">{t(problemKey(start.error))}</p>}
      <div className="actions privacy-space">
        <button type="button" className={r ? "button secondary" : "button"} disabled={start.isPending || (!!r && !ready)} onClick={() => start.mutate()}>
          {start.isPending ? t("privacy.export.preparingShort") : r ? t("privacy.export.again") : t("privacy.export.start")}
        </button>
      </div>
    </section>
  );
}

function Erasure() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<PrivacyRequest>();
  const [understood, setUnderstood] = useState(false);
  const start = useMutation({ mutationFn: requestErasure, onSuccess: (r) => setPending(r) });
  const confirm = useMutation({
    mutationFn: () => confirmErasure(pending!.id, pending!.confirmation_code!),
    onSuccess: async () => {
      // The account no longer exists: sign out here too.
      await signOut();
      queryClient.clear();
      navigate("/sign-in", { replace: true });
    },
  });
  const due = pending ? new Intl.DateTimeFormat(i18n.language, { dateStyle: "long" }).format(new Date(pending.due_at)) : "";
  const soleAdmin = (e: unknown) => (e instanceof ApiError && (e.problem as { type?: string })?.type?.endsWith("/sole-admin") ? "problem.sole-admin" : problemKey(e));
  return (
    <section className="card" aria-labelledby="erase-title">
      <h2 id="erase-title">{t("privacy.erase.title")}</h2>
      <p>{t("privacy.erase.lead")}</p>
      {!pending ? (
        <>
          <ul className="privacy-points">
            <li>{t("privacy.erase.what")}</li>
            <li>{t("privacy.erase.kept")}</li>
            <li>{t("privacy.erase.steps")}</li>
          </ul>
          {start.isError && <p className="error" role="alert">{t(soleAdmin(start.error))}</p>}
          <button type="button" className="button danger" disabled={start.isPending} onClick={() => start.mutate()}>
            {t("privacy.erase.start")}
          </button>
        </>
      ) : (
        <div className="privacy-confirm" role="group" aria-labelledby="erase-confirm-title">
          <h3 id="erase-confirm-title">{t("privacy.erase.confirmTitle")}</h3>
          <p>{t("privacy.erase.nothingYet", { date: due })}</p>
          <p>{t("privacy.erase.afterConfirm")}</p>
          <label className="choice">
            <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
            <span>{t("privacy.erase.understand")}</span>
          </label>
          {confirm.isError && <p className="error" role="alert">{t(soleAdmin(confirm.error))}</p>}
          <div className="actions privacy-space">
            <button type="button" className="button danger" disabled={!understood || confirm.isPending} onClick={() => confirm.mutate()}>
              {confirm.isPending ? t("privacy.erase.erasing") : t("privacy.erase.confirm")}
            </button>
            <button type="button" className="button secondary" disabled={confirm.isPending} onClick={() => { setPending(undefined); setUnderstood(false); }}>
              {t("privacy.erase.keep")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

// CloseAccount: the gentler way out. The account is closed at once and
// everything is erased after the grace period.
function CloseAccount() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const close = useMutation({
    mutationFn: () => data(api.DELETE("/accounts/v1/me")),
    onSuccess: async (res) => {
      const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "long" }).format(new Date(res.purge_after ?? Date.now()));
      await signOut();
      queryClient.clear();
      navigate("/sign-in", { replace: true, state: { notice: t("privacy.close.done", { date }) } });
    },
  });
  return (
    <section className="card" aria-labelledby="close-title">
      <h2 id="close-title">{t("privacy.close.title")}</h2>
      <p>{t("privacy.close.lead")}</p>
      {close.isError && (
        <p className="error" role="alert">
          {t(close.error instanceof ApiError && (close.error.problem as { type?: string })?.type?.endsWith("/sole-admin") ? "problem.sole-admin" : problemKey(close.error))}
        </p>
      )}
      {asking ? (
        <div className="privacy-confirm" role="group" aria-label={t("privacy.close.confirmLabel")}>
          <p>{t("privacy.close.sure")}</p>
          <div className="actions">
            <button type="button" className="button danger" disabled={close.isPending} onClick={() => close.mutate()}>
              {t("privacy.close.confirm")}
            </button>
            <button type="button" className="button secondary" onClick={() => setAsking(false)}>
              {t("privacy.erase.keep")}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="button secondary" onClick={() => setAsking(true)}>
          {t("privacy.close.start")}
        </button>
      )}
    </section>
  );
}

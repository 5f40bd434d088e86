// The coach (/coach, /coach/:id): my conversations beside the open one.
// A new conversation starts at /coach and is created with its first
// question; the chat then keeps its place (and its stream) while the
// address turns into the conversation's own.
import { useState } from "react";
import { Navigate, Route, Routes, useNavigate, useParams, useSearchParams } from "react-router";
import { Chat } from "./Chat";
import { ConversationList } from "./List";
import "./coach.css";

function CoachHome() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  // fresh is the chat begun at /coach: it keeps its key once its
  // conversation exists, so the answer streaming into it is not lost.
  const [fresh, setFresh] = useState<{ n: number; id?: string }>({ n: 0 });
  const key = !id || id === fresh.id ? `fresh-${fresh.n}` : id;
  const sessionId = params.get("session") ?? undefined;
  // Deleting the open conversation leaves a new one in its place.
  const deleted = (gone: string) => {
    if (gone !== id) return;
    setFresh((f) => ({ n: f.n + 1 }));
    navigate("/coach", { replace: true });
  };
  return (
    <div className={id ? "coach-layout has-chat" : "coach-layout"}>
      <ConversationList
        current={id}
        onNew={() => {
          setFresh((f) => ({ n: f.n + 1 }));
          navigate("/coach");
        }}
        onDeleted={deleted}
      />
      <Chat
        key={key}
        id={id}
        sessionId={id ? undefined : sessionId}
        onDeleted={deleted}
        onCreated={(created) => {
          setFresh((f) => ({ ...f, id: created }));
          navigate(`/coach/${encodeURIComponent(created)}`, { replace: true });
        }}
      />
    </div>
  );
}

export default function CoachArea() {
  return (
    <Routes>
      <Route path=":id?" element={<CoachHome />} />
      <Route path="*" element={<Navigate to="/coach" replace />} />
    </Routes>
  );
}

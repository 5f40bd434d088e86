// The sessions area: the list, scheduling, a session's page, the
// participant's live view and the facilitator's live control.
import { Route, Routes } from "react-router";
import { SessionList } from "./List";
import { ScheduleSession } from "./Schedule";
import { SessionDetail } from "./Detail";
import { LiveView } from "./Live";
import { LiveControl } from "./Control";
import "./sessions.css";

export default function SessionsArea() {
  return (
    <Routes>
      <Route index element={<SessionList />} />
      <Route path="new" element={<ScheduleSession />} />
      <Route path=":id" element={<SessionDetail />} />
      <Route path=":id/live" element={<LiveView />} />
      <Route path=":id/control" element={<LiveControl />} />
    </Routes>
  );
}

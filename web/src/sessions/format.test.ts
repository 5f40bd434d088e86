import { describe, expect, it } from "vitest";
import { formatCountdown, formatDate, formatWhen, roomLabel, wallTime } from "./format";

describe("session formatting", () => {
  it("writes a start in the given zone, with the zone", () => {
    const s = formatWhen("2026-12-13T17:30:00Z", "Europe/Madrid", "en-GB");
    expect(s).toMatch(/18:30/);
    expect(s).toMatch(/CET|GMT\+1/);
    expect(formatWhen("2026-12-13T17:30:00Z", "Asia/Jerusalem", "en-GB")).toMatch(/19:30/);
  });
  it("keeps a due day a calendar day in every zone", () => {
    expect(formatDate("2031-05-04", "en-GB")).toMatch(/4 May 2031/);
  });
  it("writes an instant as the wall time of a zone, for a datetime-local field", () => {
    expect(wallTime("2026-12-13T17:30:00Z", "Europe/Madrid")).toBe("2026-12-13T18:30");
    expect(wallTime("2026-07-01T23:15:00Z", "America/New_York")).toBe("2026-07-01T19:15");
    expect(wallTime("2026-12-31T23:00:00Z", "Asia/Jerusalem")).toBe("2027-01-01T01:00");
    expect(wallTime(undefined, "UTC")).toBe("");
  });
  it("counts down in minutes and seconds, never below zero", () => {
    expect(formatCountdown(605)).toBe("10:05");
    expect(formatCountdown(59.9)).toBe("0:59");
    expect(formatCountdown(-3)).toBe("0:00");
  });
  it("names the server's rooms in the reader's language", () => {
    const t = (k: string, o?: Record<string, unknown>) => `${k}:${String(o?.n)}`;
    expect(roomLabel({ name: "Room 2" }, t)).toBe("sessions.breakout.roomN:2");
    expect(roomLabel({ name: "Garden" }, t)).toBe("Garden");
  });
});

// Managing a session from its page, as its facilitator: a new time in
// another zone (shown in her own), an invitation sent and revoked, the
// session cancelled and shown cancelled in the list; a participant who
// joined removed, and the session handed to the organisation's admin.
// Every screen is checked with axe and screenshotted in English and Hebrew
// at 360 and 1280 px (test-results/sessions-manage-<screen>-<lang>-<width>.png).
import { expect, test, type Page } from "@playwright/test";
import { check, dark, demoJourney, ines, invite, maya, newPage, phone, sam, scheduleNextWeek, sessionInvitation, signIn } from "./kit";

test.use({ viewport: phone });

// A day two weeks ahead as a datetime-local date (the browser is in Madrid).
function inTwoWeeks(): string {
  const d = new Date(Date.now() + 14 * 24 * 3600_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// Maya signs in on the sessions list and schedules the demo journey next
// week under a title no other run shares.
async function mayaSchedules(page: Page, name: string): Promise<{ id: string; title: string }> {
  await page.goto("/sessions");
  await signIn(page, maya, { here: true });
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  const title = `${name} ${Date.now()}`;
  await page.goto(`/sessions/new?journey=${demoJourney}`);
  return { id: await scheduleNextWeek(page, demoJourney, title), title };
}

test("maya reschedules a session into another zone, revokes an invitation and cancels it", async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const { id, title } = await mayaSchedules(page, "Moved circle");
  const manage = page.getByRole("group", { name: "Manage the session" });
  await expect(manage.getByRole("button", { name: "Reschedule" })).toBeVisible();
  await check(page, "sessions-manage-detail");

  // Reschedule: a past time is refused beside its field; the form says
  // the invitees are mailed.
  await manage.getByRole("button", { name: "Reschedule" }).click();
  const form = page.getByRole("form", { name: "Reschedule" });
  await expect(form).toBeVisible();
  await expect(form.getByText("Everyone invited gets an email with the new time")).toBeVisible();
  await form.getByLabel("New date and time").fill("2020-01-01T10:00");
  await form.getByRole("button", { name: "Save the new time" }).click();
  await expect(form.getByLabel("New date and time")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("New date and time")).toHaveAccessibleDescription(/in the future/);
  await check(page, "sessions-manage-reschedule");

  // 10:00 in Tokyo, two weeks ahead: Maya (and the browser) are in Madrid.
  const day = inTwoWeeks();
  await form.getByLabel("New date and time").fill(`${day}T10:00`);
  await form.getByLabel("Time zone").selectOption("Asia/Tokyo");
  await form.getByRole("button", { name: "Save the new time" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Everyone invited was emailed the new time." })).toBeVisible();
  await expect(form).toHaveCount(0);
  await expect(page.getByText("Asia/Tokyo")).toBeVisible();
  const madrid = await page.evaluate((d) => {
    // The same instant the server computed, in Madrid, as the page writes it.
    const tokyo = new Date(`${d}T10:00:00+09:00`);
    return new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Madrid", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(tokyo);
  }, day);
  const facts = page.locator("dl.facts");
  await expect(facts.locator("dd time").first()).toHaveText(/10:00/);
  await expect(facts.getByText("Your time")).toBeVisible();
  await expect(facts.locator("dd time").nth(1)).toHaveText(new RegExp(madrid));

  // An invitation sent, then revoked before anyone used it.
  const guest = `guest-${Date.now()}@example.test`;
  await invite(page, [guest]);
  await page.getByRole("button", { name: `Revoke the invitation for ${guest}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "revoked: its link no longer works." })).toBeVisible();
  const row = page.getByRole("list", { name: "Invitations" }).getByRole("listitem").filter({ hasText: guest });
  await expect(row.getByText("Revoked")).toBeVisible();
  await expect(page.getByRole("button", { name: `Revoke the invitation for ${guest}` })).toHaveCount(0);
  await check(page, "sessions-manage-invitations");

  // Cancel: the consequence is spelled out; the safe choice has the focus.
  await manage.getByRole("button", { name: "Cancel session" }).click();
  const confirm = page.getByRole("group", { name: "Cancel this session?" });
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole("button", { name: "Keep the session" })).toBeFocused();
  await expect(confirm).toHaveAccessibleDescription(/cannot be undone/);
  await check(page, "sessions-manage-cancel");
  await dark(page, "sessions-manage-cancel-dark");
  await confirm.getByRole("button", { name: "Yes, cancel the session" }).click();
  await expect(page.getByRole("status").filter({ hasText: "This session was cancelled. Everyone invited was sent a cancellation by email." })).toBeVisible();
  await expect(page.locator(".title-row").getByText("Cancelled")).toBeVisible();
  await expect(page.getByText("The session is scheduled.")).toHaveCount(0);
  await expect(manage).toHaveCount(0);
  await check(page, "sessions-manage-cancelled");

  // The list shows it among the cancelled sessions, no longer upcoming.
  await page.goto("/sessions");
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Upcoming" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator(".session-list, .empty").first()).toBeVisible();
  await expect(page.getByRole("link", { name: title })).toHaveCount(0);
  await page.getByRole("button", { name: "Cancelled" }).click();
  const item = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: title }) });
  await expect(item.getByText("Cancelled")).toBeVisible();
  await check(page, "sessions-manage-list");
  // Its page, opened again, is cancelled too.
  await item.getByRole("link", { name: title }).click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${id}$`));
  await expect(page.getByText("This session was cancelled.")).toBeVisible();
  expect(errors).toEqual([]);
});

test("maya removes a participant who joined, then hands the session to the organisation's admin", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const { id, title } = await mayaSchedules(page, "Handed circle");
  await invite(page, [sam.email]);

  // Sam accepts the invitation from his mail.
  const samPage = await newPage(browser);
  samPage.on("pageerror", (e) => errors.push(`sam: ${e.message}`));
  await samPage.goto((await sessionInvitation(page, sam.email, id)).href);
  await signIn(samPage, sam, { here: true });
  await samPage.getByRole("button", { name: "Accept and join" }).click();
  await expect(samPage).toHaveURL(new RegExp(`/sessions/${id}/live$`));

  // Removing him asks first, and says what it does.
  await page.reload();
  const people = page.getByRole("region", { name: "Participants" });
  await expect(people.getByText(sam.display_name)).toBeVisible();
  await people.getByRole("button", { name: `Remove ${sam.display_name}` }).click();
  const ask = people.getByRole("group", { name: `Remove ${sam.display_name}` });
  await expect(ask.getByText("They lose their seat")).toBeVisible();
  await check(page, "sessions-manage-remove");
  await ask.getByRole("button", { name: "Keep" }).click();
  await expect(ask).toHaveCount(0);
  await people.getByRole("button", { name: `Remove ${sam.display_name}` }).click();
  await people.getByRole("group", { name: `Remove ${sam.display_name}` }).getByRole("button", { name: "Remove", exact: true }).click();
  await expect(people.getByText("Removed")).toBeVisible();
  await expect(people.getByRole("button", { name: `Remove ${sam.display_name}` })).toHaveCount(0);

  // Handing over: the organisation's other staff to choose from.
  const manage = page.getByRole("group", { name: "Manage the session" });
  await manage.getByRole("button", { name: "Hand over" }).click();
  const form = page.getByRole("form", { name: "Hand the session to someone else" });
  await expect(form.getByLabel("New facilitator")).toBeVisible();
  await expect(form.getByRole("option", { name: `${maya.display_name}` })).toHaveCount(0);
  await form.getByLabel("New facilitator").selectOption({ label: `${ines.display_name} · Organisation admin` });
  await check(page, "sessions-manage-owner");
  await form.getByRole("button", { name: "Hand over the session" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The session was handed over." })).toBeVisible();
  // Maya no longer runs it: the facilitator's tools are gone from her page.
  await expect(page.getByRole("button", { name: "Reschedule" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Invite people" })).toHaveCount(0);

  // Inès runs it now.
  const inesPage = await newPage(browser);
  inesPage.on("pageerror", (e) => errors.push(`ines: ${e.message}`));
  await inesPage.goto(`/sessions/${id}`);
  await signIn(inesPage, ines, { here: true });
  await expect(inesPage.getByRole("heading", { name: title })).toBeVisible();
  await expect(inesPage.getByRole("group", { name: "Manage the session" }).getByRole("button", { name: "Reschedule" })).toBeVisible();
  await expect(inesPage.getByRole("heading", { name: "Invite people" })).toBeVisible();
  expect(errors).toEqual([]);
});

// Live group sessions in the browser. The schedule form: a time in the
// past is refused beside its field; the demo journey next week at 18:30 in
// Europe/Madrid; its calendar file; the list of sessions.
// Scenario 3: two participants open their invitations and join; the
// facilitator starts, runs a face-down draw, both draw distinct cards and
// neither sees the other's card until the facilitator reveals them; a
// breakout of two runs with its timer; the session ends; homework shows on
// each participant's home. Every page is checked with axe and screenshotted
// in English and Hebrew at 360 and 1280 px.
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import {
  check,
  dark,
  demoJourney,
  invite,
  maya,
  newPage,
  noa,
  phone,
  sam,
  scheduleNextWeek,
  sessionInvitation,
  signIn,
  type DemoUser,
} from "./kit";

// Phone first: every test starts at 360 px.
test.use({ viewport: phone });

// Scenario 2 runs whole in journeys.spec.ts (a journey built, published,
// scheduled, two invited); this is the schedule form's own test.
test("scheduling: a past time is refused; next week in Europe/Madrid; the calendar file; the list", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/sessions");
  await signIn(page, maya, { here: true });
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();

  // The journeys screens link here after publishing.
  await page.goto(`/sessions/new?journey=${demoJourney}`);
  await expect(page.getByLabel("Journey")).toHaveValue(demoJourney);
  await check(page, "sessions-schedule");

  // A time that does not exist is explained beside its field.
  await page.getByLabel("Date and time").fill("2020-01-01T10:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByLabel("Date and time")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Date and time")).toHaveAccessibleDescription(/in the future/);

  await scheduleNextWeek(page, demoJourney, "Tides of change, Madrid evening");
  await expect(page.getByText("Your time")).toHaveCount(0); // the browser is in Madrid too

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download calendar file" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("session.ics");
  const ics = readFileSync((await file.path())!, "utf8");
  expect(ics).toContain("BEGIN:VCALENDAR");
  expect(ics).toContain("Europe/Madrid");

  // The list shows it among the upcoming sessions.
  await page.goto("/sessions");
  await expect(page.getByRole("link", { name: "Tides of change, Madrid evening" }).first()).toBeVisible();
  await check(page, "sessions-list");
  expect(errors).toEqual([]);
});

test("scenario 3: join from the invitations, a face-down draw revealed by the facilitator, a breakout with its timer, homework", async ({ page, browser }) => {
  test.setTimeout(360_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/");
  await signIn(page, maya, { here: true });
  await expect(page.getByRole("heading", { name: `Welcome, ${maya.display_name}` })).toBeVisible();
  const title = `Evening circle ${Date.now()}`;
  await page.goto(`/sessions/new?journey=${demoJourney}`);
  const id = await scheduleNextWeek(page, demoJourney, title);
  await invite(page, [noa.email, sam.email]);
  await check(page, "sessions-detail");

  // Both open the link from their mail, sign in and accept.
  const people: [DemoUser, Page][] = [];
  for (const who of [noa, sam]) {
    const p = await newPage(browser);
    p.on("pageerror", (e) => errors.push(`${who.email}: ${e.message}`));
    await p.goto((await sessionInvitation(page, who.email, id)).href);
    await signIn(p, who, { here: true });
    await expect(p).toHaveURL(new RegExp(`/join/${id}\\?token=`));
    await expect(p.getByRole("heading", { name: "You are invited to a session" })).toBeVisible();
    if (who === noa) await check(p, "sessions-join");
    await p.getByRole("button", { name: "Accept and join" }).click();
    await expect(p).toHaveURL(new RegExp(`/sessions/${id}/live$`));
    await expect(p.getByText("The session has not started yet.")).toBeVisible();
    people.push([who, p]);
  }
  const [[, noaPage], [, samPage]] = people;

  // The facilitator starts and opens a face-down draw.
  await page.goto(`/sessions/${id}/control`);
  await expect(page.getByText("Joined: 2")).toBeVisible();
  await page.getByRole("button", { name: "Start the session" }).click();
  await expect(page.getByText("Step 1 of")).toBeVisible();
  await page.getByRole("button", { name: "Next step" }).click();
  await expect(page.getByText("Step 2 of")).toBeVisible();
  await page.getByRole("button", { name: "Next step" }).click();
  await expect(page.getByText("Step 3 of")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Face-down draw" })).toBeVisible();
  await expect(page.getByRole("radio", { name: "Face down" })).toBeChecked();
  await page.getByRole("button", { name: "Start the draw" }).click();
  await expect(page.getByText(/^0 of \d+ cards taken$/)).toBeVisible();

  // Each draws a card: they see their own, never the other's.
  const drawn: string[] = [];
  for (const p of [noaPage, samPage]) {
    await expect(p.getByText("Step 3 of")).toBeVisible();
    await expect(p.getByRole("listitem").filter({ hasText: "Expand" })).toHaveAttribute("aria-current", "step");
    await p.getByRole("button", { name: "Draw a card" }).click();
    const mine = p.getByRole("list", { name: "My card" });
    await expect(mine.getByText("Only you see this card until your facilitator reveals it")).toBeVisible();
    drawn.push((await mine.locator(".card-title").innerText()).trim());
  }
  expect(drawn[0]).not.toEqual(drawn[1]);
  for (const [p, other] of [[noaPage, drawn[1]], [samPage, drawn[0]]] as const) {
    await expect(p.getByText("Other people's cards stay hidden until your facilitator reveals them.")).toBeVisible();
    await expect(p.locator(".drawn-card", { hasText: other })).toHaveCount(0);
  }
  await check(noaPage, "sessions-live-draw");

  // The facilitator reveals them all; now each sees the other's card.
  await expect(page.getByText(/^2 of \d+ cards taken$/)).toBeVisible();
  await check(page, "sessions-control-draw");
  await page.getByRole("button", { name: "Reveal all" }).click();
  await expect(page.getByText("Revealed", { exact: true })).toHaveCount(2);
  for (const [p, other, owner] of [[noaPage, drawn[1], sam], [samPage, drawn[0], noa]] as const) {
    const revealed = p.getByRole("list", { name: "Cards revealed to the group" });
    await expect(revealed.getByText(other)).toBeVisible();
    await expect(revealed.getByText(`Picked by ${owner.display_name}`)).toBeVisible();
    await expect(p.getByRole("list", { name: "My card" }).getByText("Revealed to everyone")).toBeVisible();
  }
  await check(noaPage, "sessions-live-revealed");
  await dark(noaPage, "sessions-live-revealed-dark-en");
  await page.getByRole("button", { name: "Close the draw" }).click();
  await expect(page.getByText("Closed", { exact: true })).toBeVisible();

  // A breakout of two, with its timer, then everyone comes back.
  await page.getByLabel("Minutes").fill("10");
  await page.getByRole("button", { name: "Open breakout rooms" }).click();
  await expect(page.getByText("Time left")).toBeVisible();
  for (const [p, other] of [[noaPage, sam], [samPage, noa]] as const) {
    await expect(p.getByRole("heading", { name: "Breakout room" })).toBeVisible();
    await expect(p.getByRole("list", { name: "In your room" }).getByText(other.display_name)).toBeVisible();
    await expect(p.locator(".countdown-value")).toHaveText(/^(9|10):\d\d$/);
  }
  await check(noaPage, "sessions-live-breakout");
  await page.getByRole("button", { name: "Add 5 minutes" }).click();
  await expect(page.locator(".countdown-value")).toHaveText(/^1[45]:\d\d$/);
  await check(page, "sessions-control-breakout");
  // Moving Noa back to the main room tells her so.
  await page.getByLabel(`Move ${noa.display_name} to`).selectOption({ label: "Main room" });
  await expect(noaPage.getByText("You stay in the main room for this round.")).toBeVisible();
  await page.getByRole("button", { name: "Bring everyone back" }).click();
  await expect(page.getByRole("button", { name: "Open breakout rooms" })).toBeVisible();
  await expect(noaPage.getByRole("heading", { name: "Breakout room" })).toHaveCount(0);

  // A face-up spread: a card Noa chooses is taken for Sam.
  await page.getByRole("radio", { name: "Face-up spread" }).check();
  await page.getByLabel("Cards in the spread").fill("6");
  await page.getByRole("button", { name: "Start the draw" }).click();
  await expect(page.getByText(/^0 of 6 cards taken$/)).toBeVisible();
  const spread = noaPage.getByRole("list", { name: "Cards to choose from" });
  await expect(spread.getByRole("button")).toHaveCount(6);
  await check(noaPage, "sessions-live-spread");
  const chosen = spread.getByRole("button").first();
  const chosenTitle = (await chosen.locator(".card-title").innerText()).trim();
  await chosen.click();
  await expect(noaPage.getByRole("list", { name: "My card" }).getByText(chosenTitle)).toBeVisible();
  await expect(samPage.getByRole("list", { name: "Cards to choose from" }).getByRole("button", { name: new RegExp(`^${chosenTitle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) })).toBeDisabled();
  await expect(samPage.getByRole("list", { name: "Cards revealed to the group" })).toHaveCount(0);
  await page.getByRole("button", { name: "Close the draw" }).click();
  await expect(samPage.getByText("This draw is closed.")).toBeVisible();

  // Homework for everyone, then the end.
  await page.getByLabel("What to do").fill("Notice one moment of calm each day");
  await page.getByRole("button", { name: "Assign homework" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Homework assigned: 2." })).toBeVisible();
  await page.getByRole("button", { name: "End session" }).click();
  await page.getByRole("button", { name: "Yes, end it" }).click();
  await expect(page.getByText("The session has ended.")).toBeVisible();

  for (const p of [noaPage, samPage]) {
    await expect(p.getByText("The session has ended. Thank you for taking part.")).toBeVisible();
    await expect(p.getByText("Notice one moment of calm each day")).toBeVisible();
    await p.getByRole("link", { name: "Back to my home page" }).click();
    const homework = p.getByRole("region", { name: "My homework" });
    await expect(homework.getByText("Notice one moment of calm each day")).toBeVisible();
  }
  await check(noaPage, "sessions-home-participant");
  // Marking it done is one tap.
  await noaPage.getByRole("button", { name: "Mark as done: Notice one moment of calm each day" }).click();
  await expect(noaPage.getByRole("button", { name: "Done: Notice one moment of calm each day" })).toBeVisible();

  await page.goto("/");
  await expect(page.getByRole("region", { name: "My upcoming sessions" })).toBeVisible();
  await check(page, "sessions-home-facilitator");
  expect(errors).toEqual([]);
});

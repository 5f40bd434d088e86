import { describe, expect, it } from "vitest";
import { resourceLinks } from "./Message";

describe("resourceLinks", () => {
  it.each([
    ["a phone number", { name: "Emergency services", phone: "911" }, [{ kind: "phone", href: "tel:911", label: "911" }]],
    ["a phone number with spaces and a plus", { name: "x", phone: "+34 717 003 717" }, [{ kind: "phone", href: "tel:+34717003717", label: "+34 717 003 717" }]],
    ["a text line with its keyword", { name: "Crisis Text Line", sms: "Text HOME to 741741" }, [{ kind: "sms", href: "sms:741741?body=HOME", label: "Text HOME to 741741", self: true }]],
    ["a text number", { name: "988", sms: "988" }, [{ kind: "sms", href: "sms:988", label: "988", self: false }]],
    ["a web page", { name: "x", url: "https://www.crisistextline.org/" }, [{ kind: "url", href: "https://www.crisistextline.org/", label: "crisistextline.org" }]],
    ["no link but https", { name: "x", url: "javascript:alert(1)" }, []],
    ["no plain http", { name: "x", url: "http://example.org" }, []],
    ["no number, no call", { name: "x", phone: "call us" }, []],
  ])("%s", (_, r, want) => {
    expect(resourceLinks(r)).toEqual(want);
  });
});

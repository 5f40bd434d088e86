// Placeholder until this area's screens land.
export default function PrivacyArea() {
  return null;
}

// Placeholder until this area's screens land.
export default function JourneysArea() {
  return null;
}

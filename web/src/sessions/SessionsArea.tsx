// Placeholder until this area's screens land.
export default function SessionsArea() {
  return null;
}
